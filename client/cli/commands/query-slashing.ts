/** `cifer query slashing ...`: validators' signing info (liveness, jail, tombstone) and the slashing params. */
import {
  QueryParamsResponse,
  QuerySigningInfoResponse,
  QuerySigningInfosResponse,
} from "cosmjs-types/cosmos/slashing/v1beta1/query";
import type { ValidatorSigningInfo } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import type { Command } from "commander";
import { VALCONS_PREFIX, VALOPER_PREFIX, valconsFromPubkey } from "../../addresses.ts";
import type { CiferClient } from "../../cifer-client.ts";
import { CliError } from "../errors.ts";
import {
  ed25519KeyOfAny,
  fixJson,
  formatDuration,
  formatRate,
  formatTime,
  SLASHING_BYTE_DECS,
} from "../format.ts";
import { printFields, printTable } from "../io.ts";
import {
  outputOf,
  parseConsensusPubkeyArg,
  parseNodeUrl,
  parseValconsArg,
  parseValoperArg,
  withClient,
  withExamples,
} from "../options.ts";
import { allPages, emit, type QueryFlags, withQueryOptions } from "../query-common.ts";

const slashingJson = (json: unknown) => fixJson(json, { byteDecs: SLASHING_BYTE_DECS });
const jailedUntil = (i: ValidatorSigningInfo) =>
  i.jailedUntil && i.jailedUntil.seconds > 0n ? formatTime(i.jailedUntil) : "-";

/**
 * What `signing-info` was given: a consensus address as is, a consensus key turned into its address
 * (both checked locally), or an operator address to look up (its consensus key is on chain).
 */
type SigningInfoTarget = { valcons: string } | { valoper: string };

export function parseSigningInfoTarget(value: string): SigningInfoTarget {
  const s = value.trim();
  if (s.startsWith(`${VALCONS_PREFIX}1`)) return { valcons: parseValconsArg(s) };
  if (s.startsWith(`${VALOPER_PREFIX}1`)) return { valoper: parseValoperArg(s) };
  return {
    valcons: valconsFromPubkey(parseConsensusPubkeyArg(s, "validator (consensus address or public key)")),
  };
}

async function valconsOf(client: CiferClient, t: SigningInfoTarget): Promise<string> {
  if ("valcons" in t) return t.valcons;
  const { validator } = await client.query.staking.validator(t.valoper);
  const key = ed25519KeyOfAny(validator.consensusPubkey);
  if (!key) throw new CliError(`validator ${t.valoper} has no ed25519 consensus key`);
  return valconsFromPubkey(key);
}

export function registerSlashingQueryCommands(query: Command): void {
  const slashing = query.command("slashing").description("slashing queries: signing info and params");
  withExamples(slashing, ["cifer query slashing signing-infos", "cifer query slashing params"]);

  const info = slashing
    .command("signing-info")
    .description("a validator's liveness record: missed blocks in the window, jailed until, tombstoned")
    .argument(
      "<validator>",
      'consensus address (cifvalcons1...), consensus public key (base64 or {"@type":...,"key":...}), or operator address (cifvaloper1..., looked up)',
    );
  withQueryOptions(info);
  withExamples(info, [
    "cifer query slashing signing-info cifvalcons1...",
    'cifer query slashing signing-info \'{"@type":"/cosmos.crypto.ed25519.PubKey","key":"oWg2..."}\'',
    "cifer query slashing signing-info cifvaloper1... -o json",
  ]);
  info.action(async (arg: string, opts: QueryFlags) => {
    const target = parseSigningInfoTarget(arg);
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const res = await withClient(url, async (c) => c.query.slashing.signingInfo(await valconsOf(c, target)));
    emit(
      format,
      () => slashingJson(QuerySigningInfoResponse.toJSON(res)),
      () => {
        const i = res.valSigningInfo;
        printFields({
          address: i.address,
          start_height: i.startHeight.toString(),
          index_offset: i.indexOffset.toString(),
          missed_blocks_counter: i.missedBlocksCounter.toString(),
          jailed_until: jailedUntil(i),
          tombstoned: String(i.tombstoned),
        });
      },
    );
  });

  const infos = slashing.command("signing-infos").description("the signing info of every validator");
  withQueryOptions(infos);
  withExamples(infos, ["cifer query slashing signing-infos", "cifer query slashing signing-infos -o json"]);
  infos.action(async (opts: QueryFlags) => {
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const all = await withClient(url, (c) =>
      allPages(async (key) => {
        const r = await c.query.slashing.signingInfos(key);
        return { items: r.info, nextKey: r.pagination?.nextKey };
      }),
    );
    emit(
      format,
      () => slashingJson(QuerySigningInfosResponse.toJSON({ info: all, pagination: undefined })),
      () => {
        if (all.length === 0) return void process.stdout.write("no signing infos\n");
        printTable(
          ["ADDRESS", "START HEIGHT", "MISSED", "JAILED UNTIL", "TOMBSTONED"],
          all.map((i) => [
            i.address,
            i.startHeight.toString(),
            i.missedBlocksCounter.toString(),
            jailedUntil(i),
            i.tombstoned ? "yes" : "no",
          ]),
        );
      },
    );
  });

  const params = slashing.command("params").description("the slashing parameters");
  withQueryOptions(params);
  withExamples(params, ["cifer query slashing params"]);
  params.action(async (opts: QueryFlags) => {
    const url = parseNodeUrl(opts.node);
    const format = outputOf(opts);
    const res = await withClient(url, (c) => c.query.slashing.params());
    emit(
      format,
      () => slashingJson(QueryParamsResponse.toJSON(res)),
      () =>
        printFields({
          signed_blocks_window: res.params.signedBlocksWindow.toString(),
          min_signed_per_window: formatRate(res.params.minSignedPerWindow),
          downtime_jail_duration: formatDuration(res.params.downtimeJailDuration),
          slash_fraction_double_sign: formatRate(res.params.slashFractionDoubleSign),
          slash_fraction_downtime: formatRate(res.params.slashFractionDowntime),
        }),
    );
  });
}
