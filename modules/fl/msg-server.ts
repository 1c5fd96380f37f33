import type { MsgDef } from "../../chain/app/module.ts";
import { checkAccountAddress, msgDef } from "../../chain/app/msg-def.ts";
import { parseAddress } from "../../chain/crypto/address.ts";
import { submitAggregate } from "./aggregate.ts";
import { HASH_RE, parseCid } from "./cid.ts";
import { openDispute } from "./dispute.ts";
import { commitScores, revealScores } from "./evaluation.ts";
import { publishModel } from "./publish.ts";
import { FlCode, flError } from "./errors.ts";
import type { FlKeeper } from "./keeper.ts";
import {
  type FlCodec,
  MsgCancelTask,
  MsgCancelTaskResponse,
  MsgCommitScores,
  MsgCommitScoresResponse,
  MsgPublishModel,
  MsgPublishModelResponse,
  MsgRevealScores,
  MsgRevealScoresResponse,
  MsgCreateTask,
  MsgCreateTaskResponse,
  MsgJoinTask,
  MsgJoinTaskResponse,
  MsgOpenDispute,
  MsgOpenDisputeResponse,
  MsgSubmitAggregate,
  MsgSubmitAggregateResponse,
  MsgSubmitUpdate,
  MsgSubmitUpdateResponse,
} from "./proto.ts";

const address = checkAccountAddress;

function cid(c: string, what: string): string {
  const parsed = parseCid(c);
  if ("error" in parsed) throw flError(FlCode.InvalidCid, `${what}: ${parsed.error}`);
  return parsed.digestHex;
}

/** A CID with its hash, which must be the CID's digest (aggregates, published models). */
function cidAndHash(c: string, hash: string, what: string): void {
  const digest = cid(c, what);
  if (!HASH_RE.test(hash))
    throw flError(
      FlCode.InvalidHash,
      `hash must be 64 lower-case hex digits (sha256), got ${JSON.stringify(hash.slice(0, 80))}`,
    );
  if (hash !== digest) throw flError(FlCode.HashMismatch, `hash ${hash} is not the digest of cid ${c}`);
}

/** Most updaters a score sheet may list: a subgroup is at most a task's max_participants. */
const MAX_SCORES = 10_000;

/** Most participants one report may exclude: far above any task's, well below what a tx can carry. */
const MAX_EXCLUDED = 10_000;

const def = msgDef;

/** The Msg service of cifer.fl.v1. Stateless checks here; the rest (params, state) in the keeper. */
export function flMsgs(k: FlKeeper): MsgDef<never>[] {
  return [
    def(
      MsgCreateTask,
      MsgCreateTaskResponse as FlCodec<never>,
      (m) => m.owner,
      (m) => {
        address(m.owner, "owner");
        cid(m.genesisWeightsCid, "genesis weights");
      },
      (ctx, m) => k.createTask(ctx, m),
      (id) => ({ taskId: id }),
    ),
    def(
      MsgJoinTask,
      MsgJoinTaskResponse as FlCodec<never>,
      (m) => m.participant,
      (m) => address(m.participant, "participant"),
      (ctx, m) => k.joinTask(ctx, m.participant, m.taskId),
    ),
    def(
      MsgSubmitUpdate,
      MsgSubmitUpdateResponse as FlCodec<never>,
      (m) => m.participant,
      (m) => {
        address(m.participant, "participant");
        cid(m.cid, "update");
      },
      (ctx, m) => k.submitUpdate(ctx, m),
    ),
    def(
      MsgSubmitAggregate,
      MsgSubmitAggregateResponse as FlCodec<never>,
      (m) => m.validator,
      (m) => {
        address(m.validator, "validator");
        cidAndHash(m.cid, m.hash, "aggregate");
        if (m.excluded.length > MAX_EXCLUDED)
          throw flError(FlCode.InvalidExcluded, `more than ${MAX_EXCLUDED} excluded participants`);
        const seen = new Set<string>();
        for (const a of m.excluded) {
          try {
            parseAddress(a);
          } catch (e) {
            throw flError(FlCode.InvalidExcluded, `excluded participant: ${(e as Error).message}`);
          }
          if (seen.has(a)) throw flError(FlCode.InvalidExcluded, `${a} is excluded twice`);
          seen.add(a);
        }
      },
      (ctx, m) => submitAggregate(ctx, k, m),
    ),
    def(
      MsgOpenDispute,
      MsgOpenDisputeResponse as FlCodec<never>,
      (m) => m.opener,
      (m) => address(m.opener, "opener"),
      (ctx, m) => openDispute(ctx, k, m),
    ),
    def(
      MsgCancelTask,
      MsgCancelTaskResponse as FlCodec<never>,
      (m) => m.owner,
      (m) => address(m.owner, "owner"),
      (ctx, m) => k.cancelTask(ctx, m.owner, m.taskId),
    ),
    def(
      MsgCommitScores,
      MsgCommitScoresResponse as FlCodec<never>,
      (m) => m.validator,
      (m) => address(m.validator, "validator"),
      (ctx, m) => commitScores(ctx, k, m),
    ),
    def(
      MsgRevealScores,
      MsgRevealScoresResponse as FlCodec<never>,
      (m) => m.validator,
      (m) => {
        address(m.validator, "validator");
        if ((m.sheet?.scores.length ?? 0) > MAX_SCORES)
          throw flError(FlCode.InvalidScores, `more than ${MAX_SCORES} scores`);
      },
      (ctx, m) => revealScores(ctx, k, m),
    ),
    def(
      MsgPublishModel,
      MsgPublishModelResponse as FlCodec<never>,
      (m) => m.owner,
      (m) => {
        address(m.owner, "owner");
        cidAndHash(m.cid, m.hash, "model");
      },
      (ctx, m) => publishModel(ctx, k, m),
    ),
  ] as MsgDef<never>[];
}
