/**
 * What the `cifer market ...` transactions check against the chain once connected, before anything
 * is signed: the asset exists and is the signer's, is of the right kind, the texts fit the chain's
 * current limits. The chain checks all of it again; these checks only turn a failed transaction
 * (and its fee) into one clear line.
 */
import type { Asset, AssetKind, MarketParamsWire } from "../../../modules/market/proto.ts";
import type { CiferClient } from "../../cifer-client.ts";
import type { KeyInfo } from "../../keys/keyring.ts";
import { CliError } from "../errors.ts";
import { assetKindName } from "../market-format.ts";
import { textLimitProblem } from "./market-options.ts";

/** The asset, or a clear error if there is none. */
export async function assetOf(client: CiferClient, id: bigint, what = "asset"): Promise<Asset> {
  try {
    return await client.query.market.asset(id);
  } catch (e) {
    if (/not found|does not exist/i.test((e as Error).message))
      throw new CliError(`${what} ${id} does not exist (see 'cifer query market assets')`);
    throw e;
  }
}

/** The asset if `key` owns it (and it is of `kind` when given); a clear error otherwise. */
export async function ownedAsset(
  client: CiferClient,
  id: bigint,
  key: KeyInfo,
  kind?: AssetKind,
): Promise<Asset> {
  const a = await assetOf(client, id);
  if (a.owner !== key.address)
    throw new CliError(`asset ${id} belongs to ${a.owner}, not to ${key.name} (${key.address})`);
  if (kind !== undefined && a.kind !== kind)
    throw new CliError(`asset ${id} is a ${assetKindName(a.kind)} asset, not ${assetKindName(kind)}`);
  return a;
}

/** Refuses texts over the chain's max_text_bytes, naming the flag. */
export function checkTexts(texts: ReadonlyArray<[string, string]>, p: MarketParamsWire): void {
  const problem = textLimitProblem(texts, p.maxTextBytes);
  if (problem) throw new CliError(problem);
}
