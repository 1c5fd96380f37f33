/**
 * `cifer fl ckks-keygen | publish-model`: the owner's side of a privacy mode ckks task (issue #6).
 * The owner makes a CKKS key pair, gives the public key to `create-task --privacy ckks`, keeps the
 * secret key, and after each paid round decrypts the committee's ciphertext sum into the round's
 * model and publishes it (within the chain's publish_blocks, or the task fails).
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { cidOf } from "../../../chain/blobs/cid.ts";
import { CkksError } from "../../../modules/fl/ckks/errors.ts";
import { putBlob } from "../../fl/blobs.ts";
import type { DecryptedModel } from "../../fl/ckks-owner.ts";
import { msgPublishModel } from "../../fl/msgs.ts";
import { CliError, UsageError } from "../errors.ts";
import { parseTaskIdArg, readBinary } from "../fl-options.ts";
import { printFields, printJson } from "../io.ts";
import { outputOf, outputOption, parseIntArg, withExamples } from "../options.ts";
import { prepareTx, sendTx, type TxFlags, withTxOptions } from "../tx-send.ts";

/** SEAL (WebAssembly) loads only for the commands that use it, not with every `cifer` command. */
const ckks = () => import("../../../modules/fl/ckks/ops.ts");

export const CKKS_PUBLIC_KEY_FILE = "ckks-public.key";
export const CKKS_SECRET_KEY_FILE = "ckks-secret.key";
/** Far above a key of the chain's parameters (degree 8192: some hundreds of KB compressed). */
const MAX_KEY_FILE_BYTES = 16 * 1024 * 1024;

/** A key file that SEAL loads as a `kind` key of the chain's CKKS parameters. */
export async function readCkksKeyArg(
  path: string,
  kind: "public" | "secret",
  flag: string,
): Promise<Uint8Array> {
  const bytes = readBinary(path, `${flag} ${path}`, MAX_KEY_FILE_BYTES);
  const { checkCkksKey } = await ckks();
  try {
    await checkCkksKey(kind, bytes);
  } catch (e) {
    if (e instanceof CkksError) throw new UsageError(`${flag} ${path}: ${e.message}`);
    throw e;
  }
  return bytes;
}

export function registerFlCkksCommands(fl: Command): void {
  // ----- ckks-keygen ------------------------------------------------------------------------------

  const keygen = fl
    .command("ckks-keygen")
    .description(
      `make a CKKS key pair for a privacy mode ckks task: DIR/${CKKS_PUBLIC_KEY_FILE} (for 'create-task --privacy ckks --ckks-public-key') and DIR/${CKKS_SECRET_KEY_FILE} (readable by you only: whoever holds it can decrypt every round's sum); nothing is sent anywhere`,
    )
    .addOption(new Option("--out <dir>", "directory to write the two key files to").makeOptionMandatory())
    .option("--force", "overwrite the key files if they exist")
    .addOption(outputOption());
  withExamples(keygen, ["cifer fl ckks-keygen --out ./ckks-keys"]);
  keygen.action(async (opts: { out: string; force?: boolean; output?: string }) => {
    const dir = resolve(opts.out);
    const publicPath = join(dir, CKKS_PUBLIC_KEY_FILE);
    const secretPath = join(dir, CKKS_SECRET_KEY_FILE);
    if (!opts.force)
      for (const p of [publicPath, secretPath])
        if (existsSync(p)) throw new UsageError(`${p} exists; pass --force to overwrite it`);
    const format = outputOf(opts);
    const keys = await (await ckks()).generateCkksKeys();
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(publicPath, keys.publicKey, { mode: 0o644 });
      writeFileSync(secretPath, keys.secretKey, { mode: 0o600 });
      chmodSync(secretPath, 0o600); // an existing file (--force) keeps its mode otherwise
    } catch (e) {
      throw new CliError(`cannot write the keys to ${dir}: ${(e as Error).message}`);
    }
    const out = {
      public_key: publicPath,
      public_key_bytes: keys.publicKey.length,
      public_key_cid: cidOf(keys.publicKey),
      secret_key: secretPath,
    };
    if (format === "json") printJson(out);
    else printFields(out);
  });

  // ----- publish-model ----------------------------------------------------------------------------

  const publish = fl
    .command("publish-model")
    .description(
      "decrypt a paid round's ciphertext sum with your secret key (FedAvg of the round's accepted updates), upload the model and publish its CID and hash: the next round starts from it",
    )
    .addOption(new Option("--task <id>", "your ckks task (see 'cifer query fl tasks')").makeOptionMandatory())
    .addOption(new Option("--round <n>", "the paid round to publish").makeOptionMandatory())
    .addOption(
      new Option(
        "--secret-key <file>",
        `the task's secret key (${CKKS_SECRET_KEY_FILE})`,
      ).makeOptionMandatory(),
    );
  withTxOptions(publish, { from: true });
  withExamples(publish, [
    `cifer fl publish-model --task 3 --round 1 --secret-key ./ckks-keys/${CKKS_SECRET_KEY_FILE} --from owner`,
  ]);
  publish.action(async (opts: TxFlags & { task: string; round: string; secretKey: string }) => {
    const taskId = parseTaskIdArg(opts.task);
    const round = parseIntArg(opts.round, "--round", 1, 1_000_000);
    const secretKey = await readCkksKeyArg(opts.secretKey, "secret", "--secret-key");
    const prepared = prepareTx(opts, opts.from!);
    let model: DecryptedModel | undefined;
    await sendTx(
      prepared,
      opts,
      async (client) => {
        const { CkksOwnerError, decryptRoundModel } = await import("../../fl/ckks-owner.ts");
        try {
          model = await decryptRoundModel({
            query: client.query,
            owner: prepared.key.address,
            nodeUrl: prepared.url,
            taskId,
            round,
            secretKey,
          });
        } catch (e) {
          if (e instanceof CkksOwnerError || e instanceof CkksError) throw new CliError(e.message);
          throw e;
        }
        const m = model;
        return {
          messages: [
            msgPublishModel({ owner: prepared.key.address, taskId, round, cid: m.cid, hash: m.hash }),
          ],
          summary: [
            ["task", `${taskId}, round ${round}`],
            ["model", `${m.cid} (${m.weights.length} parameters, uploaded once confirmed)`],
            ["sha256", m.hash],
          ],
          beforeSign: async () => {
            await putBlob(prepared.url, m.bytes);
          },
        };
      },
      () => (model ? { model_cid: model.cid, model_hash: model.hash } : {}),
    );
  });
}
