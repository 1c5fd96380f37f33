import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { readWalFrames } from "../../chain/consensus/engine/wal-codec.ts";
import { fromHex, toBase64, toHexUpper } from "../../chain/crypto/hash.ts";
import { homePaths } from "../../chain/node/home.ts";
import { formatRfc3339 } from "../../chain/types/time.ts";
import { decodeVoteSignBytes, SignedMsgType } from "../../chain/types/vote.ts";
import { TestNetwork } from "../helpers/network-process.ts";
import type { TestNode } from "../helpers/node-process.ts";

// A validator killed by an injected fault (CIFER_FAIL_POINT, CometBFT's libs/fail approach) right
// after its own signed precommit became durable, before any peer received it, then restarted. It
// must send exactly the vote it recorded, never a different one for that height and round.
//
// Nobody saw the first vote, so a conflicting re-signed one would raise no evidence: the test
// compares what the validator recorded (WAL, last-sign state) with what the chain recorded for it.
// To make its vote observable, the 4th validator stays down until the end: with 3 of 4 equal
// powers online every commit needs the crashed node's precommit, and the others wait for it in
// the crash round (a precommit timeout starts only after +2/3 precommits). So a recorded
// precommit for a block must come back, after the restart, in the commit of that very round.
//
// Two windows are crashed in turn: `precommit-after-wal` (the vote is in the fsynced WAL and
// last-sign state; the restart replays the WAL) and `precommit-after-sign` (only the signer's
// fsynced state has it; the restart must re-create it from there, same timestamp and signature).

interface CommitJson {
  height: string;
  round: number;
  block_id: { hash: string };
  signatures: {
    block_id_flag: number;
    validator_address: string;
    timestamp: string;
    signature: string | null;
  }[];
}

interface BlockJson {
  block_id: { hash: string };
  block: { header: { height: string }; evidence: { evidence: unknown[] }; last_commit: CommitJson };
}

/** An own precommit as the crashed node left it on disk. blockHash "" is nil. */
interface RecordedVote {
  point: string;
  height: number;
  round: number;
  blockHash: string;
  timestamp: string;
  signature: string;
}

const BLOCK_ID_FLAG_COMMIT = 2;

/** The precommit the node signed last (its last-sign state), checked against its WAL. */
function recordedVote(home: string, point: string): RecordedVote {
  const paths = homePaths(home);
  const state = JSON.parse(readFileSync(paths.privValidatorState, "utf8")) as {
    signature: string;
    signbytes: string;
  };
  const signed = decodeVoteSignBytes(fromHex(state.signbytes));
  assert.ok(signed, "the last-sign state holds a vote");
  assert.equal(signed.type, SignedMsgType.Precommit, "it died right after signing a precommit");
  const vote: RecordedVote = {
    point,
    height: Number(signed.height),
    round: signed.round,
    blockHash: signed.blockId ? toHexUpper(signed.blockId.hash) : "",
    timestamp: formatRfc3339(signed.timestamp),
    signature: state.signature,
  };
  const wal = readWalFrames(readFileSync(paths.consensusWal));
  assert.equal(wal.error, null, "the WAL is whole (records are written before the fail point)");
  const own = wal.entries.flatMap((e) => (e.kind === "message" && e.own ? [e.message] : []));
  const sameStep = own.flatMap((m) =>
    m.kind === "vote" &&
    (m.vote.type as number) === SignedMsgType.Precommit &&
    Number(m.vote.height) === vote.height &&
    m.vote.round === vote.round
      ? [m.vote]
      : [],
  );
  for (const w of sameStep)
    assert.deepEqual(
      {
        blockHash: toHexUpper(w.blockId!.hash),
        timestamp: formatRfc3339(w.timestamp!),
        signature: toBase64(w.signature),
      },
      { blockHash: vote.blockHash, timestamp: vote.timestamp, signature: vote.signature },
      `it signed a second, different precommit at ${vote.height}/${vote.round}`,
    );
  if (point === "precommit-after-wal") {
    const last = own.at(-1);
    assert.ok(
      last?.kind === "vote" && sameStep.includes(last.vote),
      "the WAL's last own message is that precommit",
    );
  } else assert.equal(sameStep.length, 0, "it died before the WAL write");
  return vote;
}

describe("a validator crashed right after making its vote durable", () => {
  let net: TestNetwork;
  before(async () => {
    net = await TestNetwork.create(4, 300);
    for (const n of net.nodes) {
      // The down validator's proposer turns cost a propose timeout each: keep them short.
      const path = homePaths(n.home).config;
      const config = JSON.parse(readFileSync(path, "utf8"));
      config.consensus.timeout_propose_ms = 1000;
      writeFileSync(path, JSON.stringify(config, null, 2));
    }
  });
  after(() => net?.destroy());

  test("restarts sending the vote it recorded, never a conflicting one, and the chain goes on with it", async (t) => {
    const [a, b, c, d] = net.nodes as [TestNode, TestNode, TestNode, TestNode];
    const dLogs: string[] = [];
    const crashes: RecordedVote[] = [];

    /**
     * Starts d armed with `point`, waits for that fault to kill it and records its vote. A nil
     * precommit cannot be seen in any commit (the height is committed in a later round), so it is
     * crashed again at its next precommit, at most a few times.
     */
    async function crashAt(point: string, nth: number): Promise<void> {
      for (let attempt = 0; attempt < 4; attempt++) {
        d.output = "";
        await d.start(60_000, {
          env: { CIFER_FAIL_POINT: `${point}:${attempt === 0 ? nth : 1}` },
          wait: false,
        });
        const signal = await d.endedBy(60_000);
        dLogs.push(d.output);
        assert.equal(signal, "SIGKILL", `killed by the fail point, not otherwise:\n${d.output.slice(-3000)}`);
        assert.match(d.output, new RegExp(`fail point ${point} reached`));
        const vote = recordedVote(d.home, point);
        // Two signatures for one height and round are a double sign, even if nobody saw the first.
        for (const before of crashes)
          if (before.height === vote.height && before.round === vote.round)
            assert.deepEqual(
              { ...vote, point: before.point },
              before,
              "it signed a second, different precommit",
            );
        crashes.push(vote);
        assert.ok((await a.height()) < vote.height, "the others cannot commit that height without it");
        if (vote.blockHash !== "") return;
      }
      assert.fail(`${point}: only nil precommits in 4 crashes: ${JSON.stringify(crashes)}`);
    }

    // a, b and d run (c stays down); d dies at its 3rd precommit, in the middle of normal voting
    // (maybe before the first block: a and b cannot wait for one on their own).
    await Promise.all([a.start(60_000, { wait: false }), b.start(60_000, { wait: false })]);
    await crashAt("precommit-after-wal", 3);
    // The restart replays that WAL and resends the vote; d then dies in the other window.
    await crashAt("precommit-after-sign", 1);
    assert.match(dLogs.at(-1)!, /replayed the WAL/);

    d.output = "";
    await d.start();
    await d.waitFor(async () => /replayed the WAL/.test(d.output), 30_000, "the WAL replay");
    const lastCrash = crashes.at(-1)!.height;
    await a.waitForHeight(lastCrash + 3, 60_000);
    // c rejoins (block sync), so that every node's chain can be compared.
    await c.start();
    const top = (await a.height()) + 1;
    for (const n of net.nodes) await n.waitForHeight(top, 60_000);

    const address = (await d.rpc<{ validator_info: { address: string } }>("status")).validator_info.address;
    const blocks: BlockJson[] = [];
    for (let h = 1; h <= top; h++) {
      const got = await Promise.all(net.nodes.map((n) => n.rpc<BlockJson>("block", { height: String(h) })));
      assert.equal(new Set(got.map((x) => x.block_id.hash)).size, 1, `the nodes disagree at height ${h}`);
      assert.deepEqual(got[0]!.block.evidence.evidence, [], `evidence committed at height ${h}`);
      blocks[h] = got[0]!;
    }

    for (const v of crashes)
      t.diagnostic(`${v.point} at ${v.height}/${v.round}, ${v.blockHash === "" ? "nil" : "for a block"}`);
    // Each recorded vote, as the chain has it: block h+1's last commit is the canonical commit of h.
    for (const vote of crashes) {
      const commit = blocks[vote.height + 1]!.block.last_commit;
      const what = `${vote.point} at ${vote.height}/${vote.round}`;
      if (vote.blockHash === "") {
        // Its nil precommit leaves that round short of +2/3 for any block.
        assert.ok(commit.round > vote.round, `${what}: committed in a later round than the nil precommit`);
        continue;
      }
      assert.equal(commit.round, vote.round, `${what}: committed in the crash round`);
      assert.equal(commit.block_id.hash, vote.blockHash, `${what}: the block it precommitted`);
      const sig = commit.signatures.find((s) => s.validator_address === address);
      assert.ok(sig, `${what}: its precommit is in the commit`);
      assert.deepEqual(
        { flag: sig.block_id_flag, timestamp: sig.timestamp, signature: sig.signature },
        { flag: BLOCK_ID_FLAG_COMMIT, timestamp: vote.timestamp, signature: vote.signature },
        `${what}: the chain holds the very vote it recorded`,
      );
    }

    // It votes again: the heights after the last crash (c still down) were committed with it.
    for (let h = lastCrash + 1; h <= lastCrash + 3; h++) {
      const sig = blocks[h + 1]!.block.last_commit.signatures.find((s) => s.validator_address === address);
      assert.equal(sig?.block_id_flag, BLOCK_ID_FLAG_COMMIT, `its precommit in the commit of height ${h}`);
    }
    for (const log of [...dLogs, d.output]) assert.doesNotMatch(log, /signer refused/);
    for (const n of net.nodes) assert.doesNotMatch(n.output, /evidence of double signing/);
  });
});
