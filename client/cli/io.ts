/** Terminal input and output of the CLI: JSON/text printing, hidden prompts, confirmations, stdin. */
import { closeSync, fstatSync, openSync } from "node:fs";
import { createInterface } from "node:readline";
import { isatty } from "node:tty";
import { toBase64 } from "@cosmjs/encoding";
import { readFdUtf8 } from "../fs.ts";
import type { PassphraseProvider } from "../keys/keyring.ts";
import { CliError, UsageError } from "./errors.ts";

export type OutputFormat = "text" | "json";

/** JSON with bigints as decimal strings and bytes as base64 (as the Cosmos SDK's JSON). */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_k, v) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Uint8Array) return toBase64(v);
      if (v instanceof Map) return Object.fromEntries(v);
      return v;
    },
    indent,
  );
}

export function printJson(value: unknown): void {
  process.stdout.write(`${toJson(value)}\n`);
}

/** `key: value` lines; nested values as compact JSON. */
export function printFields(fields: Record<string, unknown>): void {
  const width = Math.max(0, ...Object.keys(fields).map((k) => k.length));
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const s = typeof v === "string" ? v : typeof v === "object" && v !== null ? toJson(v, 0) : String(v);
    process.stdout.write(`${`${k}:`.padEnd(width + 2)}${s}\n`);
  }
}

export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${line(headers)}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

/** Whether stdin is a terminal (without touching process.stdin, which would switch a pipe to non-blocking). */
export const isInteractive = () => isatty(0);

/** Reads a line from the terminal without echoing it. Ctrl-C cancels. */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!isInteractive()) return Promise.reject(new CliError("cannot prompt: stdin is not a terminal"));
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let buf = "";
    const done = (err: Error | undefined) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === "\r" || ch === "\n") return done(undefined);
        if (ch === "\u0003") return done(new CliError("cancelled", 130));
        if (ch === "\u0004") {
          if (buf === "") return done(new CliError("cancelled: end of input"));
          continue;
        }
        if (ch === "\u007f" || ch === "\b") buf = buf.slice(0, -1);
        else if (ch >= " ") buf += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}

/**
 * Asks a y/N question on a terminal. Without a terminal there is nobody to ask: refuse, and tell the user
 * to pass --yes (scripts must opt in explicitly to irreversible actions).
 */
export async function confirm(question: string): Promise<boolean> {
  if (!isInteractive()) {
    throw new UsageError(
      `${question.replace(/\?$/, "")}: confirmation needed but stdin is not a terminal; pass --yes`,
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

const MAX_SECRET_INPUT = 16 * 1024;

/** Reads a small regular file, refusing anything larger than `max` bytes. */
export function readSmallFile(path: string, what: string, max = MAX_SECRET_INPUT): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new CliError(`cannot read ${what}: ${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new CliError(`${what} is not a regular file`);
    if (st.size > max) throw new CliError(`${what} is too large (more than ${max} bytes)`);
    return readFdUtf8(fd, st.size);
  } finally {
    closeSync(fd);
  }
}

/** Reads piped stdin to its end, refusing more than `max` bytes. */
async function readStdin(what: string, max = MAX_SECRET_INPUT): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const b = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    total += b.length;
    if (total > max) throw new CliError(`${what} is too large (more than ${max} bytes)`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A mnemonic from a file, from piped stdin ("-" or no terminal), or typed at a hidden prompt. */
export async function readMnemonic(source: string | undefined): Promise<string> {
  if (source !== undefined && source !== "-") return readSmallFile(source, `mnemonic file ${source}`);
  if (isInteractive()) return promptHidden("Enter your bip39 mnemonic: ");
  return readStdin("the mnemonic read from stdin");
}

/**
 * Passphrase of the `file` keyring: $CIFER_KEYRING_PASSPHRASE, else a hidden prompt on a terminal
 * (twice for a new keyring), else a clear error.
 */
export const cliPassphraseProvider: PassphraseProvider = async ({ purpose, keyringDir }) => {
  const env = process.env.CIFER_KEYRING_PASSPHRASE;
  if (env !== undefined) return env;
  if (!isInteractive()) {
    throw new CliError(
      "the file keyring needs a passphrase: set CIFER_KEYRING_PASSPHRASE or run in a terminal (or use --keyring-backend test for throwaway keys)",
    );
  }
  if (purpose === "unlock") return promptHidden(`Enter keyring passphrase (${keyringDir}): `);
  const first = await promptHidden(
    `Enter a passphrase to encrypt the keys of ${keyringDir} (at least 8 characters): `,
  );
  const second = await promptHidden("Re-enter keyring passphrase: ");
  if (first !== second) throw new CliError("the passphrases do not match");
  return first;
};
