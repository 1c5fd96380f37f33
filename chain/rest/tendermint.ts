import {
  GetBlockByHeightResponse,
  GetLatestValidatorSetResponse,
  GetNodeInfoResponse,
  GetSyncingResponse,
} from "cosmjs-types/cosmos/base/tendermint/v1beta1/query";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import type { FastifyInstance } from "fastify";
import { DEFAULT_PAGE_LIMIT } from "../app/grpc.ts";
import { toAddress } from "../crypto/address.ts";
import { fromHex } from "../crypto/hash.ts";
import type { RpcBackend } from "../rpc/backend.ts";
import { nodeInfoOf } from "../rpc/methods.ts";
import { invalidArgument, notFound } from "./errors.ts";
import { heightParam, QueryArgs, PAGINATION_PARAMS, VALCONS_PREFIX } from "./params.ts";
import { sendJson } from "./reply.ts";
import { cosmjsJson } from "./types.ts";

/** The application name and version the node reports (application_version). */
export interface AppVersion {
  name: string;
  version: string;
}

/**
 * cosmos.base.tendermint.v1beta1 (the SDK's CometBFT service): node info, syncing, blocks and
 * validator sets, read from the same backend as JSON-RPC's status, block and validators.
 */
export function tendermintRoutes(app: FastifyInstance, backend: RpcBackend, version: AppVersion): void {
  const base = "/base/tendermint/v1beta1";

  app.get(`${base}/node_info`, async (request, reply) => {
    new QueryArgs(request.query, []);
    const n = nodeInfoOf(backend);
    const res = GetNodeInfoResponse.fromPartial({
      defaultNodeInfo: {
        protocolVersion: n.protocolVersion,
        defaultNodeId: n.id,
        listenAddr: n.listenAddr,
        network: n.network,
        version: n.version,
        channels: fromHex(n.channels),
        moniker: n.moniker,
        other: { txIndex: n.txIndex, rpcAddress: n.rpcAddress },
      },
      applicationVersion: {
        name: version.name,
        appName: version.name,
        version: version.version,
        gitCommit: "",
        buildTags: "",
        goVersion: `node ${process.version}`,
        buildDeps: [],
        cosmosSdkVersion: "",
      },
    });
    return sendJson(reply, 200, cosmjsJson(GetNodeInfoResponse, res));
  });

  app.get(`${base}/syncing`, async (request, reply) => {
    new QueryArgs(request.query, []);
    const sync = await backend.sync();
    return sendJson(reply, 200, cosmjsJson(GetSyncingResponse, { syncing: sync.catchingUp }));
  });

  const blockAt = async (height: bigint) => {
    const latest = backend.latestHeight();
    if (height > latest) {
      throw invalidArgument(`requested block height ${height} is bigger than the chain length ${latest}`);
    }
    const [block, meta] = await Promise.all([backend.block(height), backend.blockMeta(height)]);
    if (!block || !meta)
      throw notFound(`block at height ${height} not found (lowest stored ${backend.baseHeight()})`);
    const header = block.header;
    const res = GetBlockByHeightResponse.fromPartial({
      blockId: meta.blockId,
      block,
      // The SDK's own block: the same, with the proposer as a consensus address.
      sdkBlock: {
        header: { ...header, proposerAddress: toAddress(header.proposerAddress, VALCONS_PREFIX) },
        data: block.data,
        evidence: block.evidence,
        lastCommit: block.lastCommit,
      },
    });
    return cosmjsJson(GetBlockByHeightResponse, res);
  };

  app.get(`${base}/blocks/latest`, async (request, reply) => {
    new QueryArgs(request.query, []);
    const latest = backend.latestHeight();
    if (latest === 0n) throw notFound("no block has been committed yet");
    return sendJson(reply, 200, await blockAt(latest));
  });

  app.get<{ Params: { height: string } }>(`${base}/blocks/:height`, async (request, reply) => {
    new QueryArgs(request.query, []);
    return sendJson(reply, 200, await blockAt(heightParam(request.params.height)));
  });

  const validatorSet = async (height: bigint, args: QueryArgs) => {
    const latest = backend.latestHeight();
    if (height > latest) {
      throw invalidArgument(`requested block height ${height} is bigger than the chain length ${latest}`);
    }
    const vals = await backend.validators(height);
    if (!vals) throw notFound(`validator set at height ${height} not found`);
    const page = args.pagination();
    const offset = page?.offset ?? 0n;
    const limit = page && page.limit > 0n ? page.limit : DEFAULT_PAGE_LIMIT;
    if (page && page.key.length > 0)
      throw invalidArgument("validatorsets page by pagination.offset, not key");
    const slice = vals.slice(Number(offset), Number(offset + limit));
    const res = GetLatestValidatorSetResponse.fromPartial({
      blockHeight: height,
      validators: slice.map(({ validator, proposerPriority }) => ({
        address: toAddress(validator.address, VALCONS_PREFIX),
        // Validator keys are ed25519 only (chain/types/block.ts).
        pubKey: {
          typeUrl: "/cosmos.crypto.ed25519.PubKey",
          value: Ed25519PubKey.encode({ key: validator.pubKey }).finish(),
        },
        votingPower: validator.votingPower,
        proposerPriority,
      })),
      pagination: { nextKey: new Uint8Array(), total: BigInt(vals.length) },
    });
    return cosmjsJson(GetLatestValidatorSetResponse, res);
  };

  app.get(`${base}/validatorsets/latest`, async (request, reply) => {
    const args = new QueryArgs(request.query, PAGINATION_PARAMS);
    const latest = backend.latestHeight();
    if (latest === 0n) throw notFound("no block has been committed yet");
    return sendJson(reply, 200, await validatorSet(latest, args));
  });

  app.get<{ Params: { height: string } }>(`${base}/validatorsets/:height`, async (request, reply) => {
    const args = new QueryArgs(request.query, PAGINATION_PARAMS);
    return sendJson(reply, 200, await validatorSet(heightParam(request.params.height), args));
  });
}
