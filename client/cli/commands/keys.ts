/** `cifer keys add|import|list|show|delete`: the local keyring. */
import type { Command } from "commander";
import type { KeyInfo } from "../../keys/keyring.ts";
import { CliError } from "../errors.ts";
import { confirm, printFields, printJson, printTable, readMnemonic } from "../io.ts";
import {
  hdPathOf,
  type KeyringFlags,
  openKeyring,
  outputOf,
  outputOption,
  parseKeyNameArg,
  withExamples,
  withHdOptions,
  withKeyringOptions,
} from "../options.ts";

type Flags = KeyringFlags & { output?: string };

function printKey(info: KeyInfo): void {
  printFields({
    name: info.name,
    address: info.address,
    pubkey: info.pubkey,
    hd_path: info.hdPath,
    type: info.type,
    backend: info.backend,
    created_at: info.createdAt,
  });
}

const keyJson = (info: KeyInfo) => ({
  name: info.name,
  type: info.type,
  address: info.address,
  pubkey: info.pubkey,
  hd_path: info.hdPath,
  backend: info.backend,
  created_at: info.createdAt,
});

export function registerKeysCommands(program: Command): void {
  const keys = program
    .command("keys")
    .description("manage local keys (BIP39 mnemonics, HD path m/44'/118'/0'/0/0, addresses cif1...)");
  withExamples(keys, [
    "cifer keys add alice",
    "cifer keys add bob --keyring-backend test",
    "cifer keys list",
    "cifer keys show alice --address",
  ]);
  keys.addHelpText(
    "after",
    `
Keyring backends:
  file (default)  mnemonics encrypted with scrypt + AES-256-GCM; the passphrase comes from
                  $CIFER_KEYRING_PASSPHRASE or is asked on the terminal
  test            mnemonics stored unencrypted, for throwaway keys and scripts only
Key files live in <keyring-dir>/<name>.key.json (default ~/.cifer/keyring-<backend>), mode 0600.
`,
  );

  const add = keys
    .command("add")
    .description("create a key from a new 24-word mnemonic (or recover one with --recover)")
    .argument("<name>", "key name: 1-64 characters among letters, digits, '_', '.', '-'")
    .option("--recover", "recover the key from a mnemonic read from stdin (or typed, hidden, on a terminal)")
    .addOption(outputOption());
  withHdOptions(add);
  withKeyringOptions(add);
  withExamples(add, [
    "cifer keys add alice",
    "cifer keys add alice2 --index 1",
    'echo "$MNEMONIC" | cifer keys add restored --recover --keyring-backend test',
  ]);
  add.action(
    async (
      nameArg: string,
      opts: Flags & { recover?: boolean; account?: string; index?: string; hdPath?: string },
    ) => {
      const name = parseKeyNameArg(nameArg);
      const hdPath = hdPathOf(opts);
      const keyring = openKeyring(opts);
      const mnemonic = opts.recover ? await readMnemonic("-") : undefined;
      const { info, mnemonic: phrase } = await keyring.add(name, {
        hdPath,
        ...(mnemonic !== undefined ? { mnemonic } : {}),
      });
      if (outputOf(opts) === "json") {
        printJson({ ...keyJson(info), ...(opts.recover ? {} : { mnemonic: phrase }) });
        return;
      }
      printKey(info);
      if (!opts.recover) {
        // As the Cosmos SDK: the mnemonic goes to stderr, so `> file` of stdout never captures it by accident.
        process.stderr.write(
          `\n**Important** write this mnemonic phrase in a safe place.\nIt is the only way to recover your account if you ever forget your password.\nIt will not be shown again.\n\n${phrase}\n`,
        );
      }
    },
  );

  const imp = keys
    .command("import")
    .description("import a key from a file holding its BIP39 mnemonic ('-' reads stdin)")
    .argument("<name>", "key name")
    .argument("<mnemonic-file>", "file with the mnemonic, or - for stdin")
    .addOption(outputOption());
  withHdOptions(imp);
  withKeyringOptions(imp);
  withExamples(imp, [
    "cifer keys import alice ./alice.mnemonic",
    "cat alice.mnemonic | cifer keys import alice - --keyring-backend test",
  ]);
  imp.action(
    async (
      nameArg: string,
      source: string,
      opts: Flags & { account?: string; index?: string; hdPath?: string },
    ) => {
      const name = parseKeyNameArg(nameArg);
      const hdPath = hdPathOf(opts);
      const keyring = openKeyring(opts);
      const mnemonic = await readMnemonic(source);
      const { info } = await keyring.add(name, { hdPath, mnemonic });
      if (outputOf(opts) === "json") printJson(keyJson(info));
      else printKey(info);
    },
  );

  const list = keys.command("list").description("list the keys of the keyring").addOption(outputOption());
  withKeyringOptions(list);
  withExamples(list, ["cifer keys list", "cifer keys list --keyring-backend test -o json"]);
  list.action(async (opts: Flags) => {
    const infos = openKeyring(opts).list();
    if (outputOf(opts) === "json") return printJson(infos.map(keyJson));
    if (infos.length === 0) {
      process.stderr.write("no keys yet; create one with: cifer keys add <name>\n");
      return;
    }
    printTable(
      ["NAME", "ADDRESS", "HD PATH"],
      infos.map((k) => [k.name, k.address, k.hdPath]),
    );
  });

  const show = keys
    .command("show")
    .description("show a key's address and public key")
    .argument("<name>", "key name")
    .option("-a, --address", "print the address only")
    .option("-p, --pubkey", "print the public key only")
    .addOption(outputOption());
  withKeyringOptions(show);
  withExamples(show, ["cifer keys show alice", "cifer keys show alice --address"]);
  show.action(async (nameArg: string, opts: Flags & { address?: boolean; pubkey?: boolean }) => {
    const name = parseKeyNameArg(nameArg);
    const info = openKeyring(opts).show(name);
    if (opts.address) return void process.stdout.write(`${info.address}\n`);
    if (opts.pubkey) return void process.stdout.write(`${JSON.stringify(info.pubkey)}\n`);
    if (outputOf(opts) === "json") printJson(keyJson(info));
    else printKey(info);
  });

  const del = keys
    .command("delete")
    .description("delete a key (irreversible unless you kept its mnemonic)")
    .argument("<name>", "key name")
    .option("-y, --yes", "do not ask for confirmation");
  withKeyringOptions(del);
  withExamples(del, ["cifer keys delete alice", "cifer keys delete scratch --yes --keyring-backend test"]);
  del.action(async (nameArg: string, opts: Flags & { yes?: boolean }) => {
    const name = parseKeyNameArg(nameArg);
    const keyring = openKeyring(opts);
    if (!keyring.has(name)) throw new CliError(`no key named ${JSON.stringify(name)} in ${keyring.dir}`);
    if (!opts.yes && !(await confirm(`Delete key ${JSON.stringify(name)} from ${keyring.dir}?`))) {
      throw new CliError("aborted: key not deleted");
    }
    keyring.delete(name);
    process.stderr.write(`key ${name} deleted\n`);
  });
}
