/** What the `cifer query ...` commands share: their options, paging through lists, and output. */
import type { Command } from "commander";
import { CliError } from "./errors.ts";
import { type OutputFormat, printJson } from "./io.ts";
import { nodeOption, outputOption } from "./options.ts";

export type QueryFlags = { node: string; output?: string };

export function withQueryOptions(cmd: Command): Command {
  return cmd.addOption(nodeOption()).addOption(outputOption());
}

/** Pages a list query follows at most (100 items a page by default): a bound on every loop. */
export const MAX_PAGES = 1000;

/** Every item of a paginated query, following next keys (bounded by MAX_PAGES). */
export async function allPages<T>(
  fetch: (key: Uint8Array | undefined) => Promise<{ items: T[]; nextKey: Uint8Array | undefined }>,
): Promise<T[]> {
  const out: T[] = [];
  let key: Uint8Array | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const r = await fetch(key);
    out.push(...r.items);
    if (!r.nextKey || r.nextKey.length === 0) return out;
    key = r.nextKey;
  }
  throw new CliError(`the list is longer than ${MAX_PAGES} pages; stopped`);
}

/** Prints the JSON in json format, else runs the text printer. */
export function emit(format: OutputFormat, json: () => unknown, text: () => void): void {
  if (format === "json") printJson(json());
  else text();
}
