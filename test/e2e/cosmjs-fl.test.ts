import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { makeCosmoshubPath } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess, GasPrice, QueryClient, SigningStargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { setupFlExtension } from "../../client/fl/query.ts";
import { createCiferRegistry } from "../../client/registry.ts";
import { DEV_MNEMONIC } from "../../chain/wiring/genesis.ts";
import { MsgCreateTaskResponse, RoundStatus, TaskStatus } from "../../modules/fl/proto.ts";
import { blob, createTaskMsg, MODEL_SPEC } from "../helpers/fl.ts";
import { TestNode } from "../helpers/node-process.ts";

// cifer.fl.v1 through the unmodified CosmJS SigningStargateClient against a real node: the client
// Registry encodes MsgCreateTask and MsgJoinTask, "auto" fees simulate them, and the Task and Round
// queries read back what the chain stored.

let node: TestNode;
let client: SigningStargateClient;
let comet: Comet38Client;
let owner: string;
let trainer: string;

before(async () => {
  node = await TestNode.create({ blockIntervalMs: 200 });
  await node.start();
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, {
    prefix: "cif",
    hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1)],
  });
  [owner, trainer] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
  client = await SigningStargateClient.connectWithSigner(node.url, wallet, {
    registry: createCiferRegistry(),
    gasPrice: GasPrice.fromString("0.0025ucif"),
    broadcastPollIntervalMs: 200,
    broadcastTimeoutMs: 30_000,
  });
  comet = await Comet38Client.connect(node.url);
});

after(async () => {
  client?.disconnect();
  comet?.disconnect();
  await node?.destroy();
});

test("MsgCreateTask and MsgJoinTask via signAndBroadcast; the Task query reads them back", async () => {
  const create = await client.signAndBroadcast(
    owner,
    [
      {
        typeUrl: "/cifer.fl.v1.MsgCreateTask",
        value: createTaskMsg(owner, {
          minParticipants: 1,
          roundBlocks: 50n,
          rewardPool: { denom: "ucif", amount: "2500000" },
        }),
      },
    ],
    "auto",
  );
  assertIsDeliverTxSuccess(create);
  const [response] = create.msgResponses;
  assert.equal(response!.typeUrl, "/cifer.fl.v1.MsgCreateTaskResponse");
  const taskId = MsgCreateTaskResponse.decode(response!.value).taskId;
  assert.equal(taskId, 1n);

  const q = QueryClient.withExtensions(comet, setupFlExtension);
  let { task, modelSpec } = await q.fl.task(taskId);
  assert.equal(task.status, TaskStatus.Open);
  assert.equal(task.owner, owner);
  assert.equal(task.escrow, "2500000");
  assert.equal(task.genesisWeightsCid, blob("genesis weights").cid);
  assert.equal(modelSpec, MODEL_SPEC);

  const join = await client.signAndBroadcast(
    trainer,
    [{ typeUrl: "/cifer.fl.v1.MsgJoinTask", value: { participant: trainer, taskId } }],
    "auto",
  );
  assertIsDeliverTxSuccess(join);
  ({ task } = await q.fl.task(taskId));
  assert.equal(task.status, TaskStatus.Running, "one participant was enough to start round 1");
  assert.equal(task.participantCount, 1);
  const { round } = await q.fl.round(taskId, 1);
  assert.equal(round.status, RoundStatus.Collecting);
  const { participants } = await q.fl.participants(taskId);
  assert.deepEqual(
    participants.map((p) => p.address),
    [trainer],
  );
  assert.equal((await q.fl.tasks(TaskStatus.Running)).tasks.length, 1);
});
