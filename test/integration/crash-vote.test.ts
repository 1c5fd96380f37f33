import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { readFileSync } from "node:fs";
import { homePaths } from "../../chain/node/home.ts";
import { TestNetwork } from "../helpers/network-process.ts";
import type { TestNode } from "../helpers/node-process.ts";

// A validator killed by an injected fault right after its own signed vote reached the fsynced WAL,
// before anyone received it (CIFER_FAIL_POINT=vote-after-wal, the CometBFT libs/fail approach).
// Restarted, it replays its WAL and last-sign state: it must never sign a vote conflicting with
// the one it recorded. If it did, the other validators would see two votes for one height, round
// and step from it and commit DuplicateVoteEvidence; none may appear, and it must vote again.

interface BlockJson {
  block_id: { hash: string };
  block: { header: { height: string }; evidence: { evidence: unknown[] } };
}

describe("a validator crashed right after writing a vote", () => {
  let net: TestNetwork;
  before(async () => {
    net = await TestNetwork.create(4, 300);
    await net.start();
  });
  after(() => net?.destroy());

  test("restarts without signing a conflicting vote, votes again, and the network stays one chain", async () => {
    const [a, , , d] = net.nodes as [TestNode, TestNode, TestNode, TestNode];
    await a.waitForHeight(3);
    await d.stop();
    // The 6th own vote after the restart: past catching up, in the middle of normal voting.
    await d.start(60_000, { env: { CIFER_FAIL_POINT: "vote-after-wal:6" }, wait: false });
    assert.equal(await d.endedBy(60_000), "SIGKILL");
    assert.match(d.output, /fail point vote-after-wal reached/);
    const crashedAt = await a.height();
    // What it last signed is on disk: the restart must replay it, not decide afresh.
    const signedState = JSON.parse(readFileSync(homePaths(d.home).privValidatorState, "utf8")) as {
      height: string;
    };
    assert.ok(Number(signedState.height) >= 3, `last signed height ${signedState.height}`);
    d.output = "";
    await d.start();
    assert.match(d.output, /replayed the WAL/);
    // It catches up and its precommits are in commits again.
    const target = crashedAt + 6;
    await d.waitForHeight(target, 60_000);
    const address = (await d.rpc<{ validator_info: { address: string } }>("status")).validator_info.address;
    let signed = 0;
    for (let h = target - 3; h <= target; h++) {
      const c = await a.rpc<{ signed_header: { commit: { signatures: { validator_address: string }[] } } }>(
        "commit",
        {
          height: String(h),
        },
      );
      if (c.signed_header.commit.signatures.some((s) => s.validator_address === address)) signed++;
    }
    assert.ok(signed > 0, "the restarted validator votes again");
    // No evidence of double signing anywhere: not in a block, not in any node's log.
    for (let h = 1; h <= target; h++) {
      const blocks = await Promise.all(
        net.nodes.map((n) => n.rpc<BlockJson>("block", { height: String(h) })),
      );
      assert.equal(new Set(blocks.map((b) => b.block_id.hash)).size, 1, `nodes disagree at height ${h}`);
      assert.equal(blocks[0]!.block.evidence.evidence.length, 0, `evidence committed at height ${h}`);
    }
    for (const n of net.nodes) assert.doesNotMatch(n.output, /evidence of double signing/);
  });
});
