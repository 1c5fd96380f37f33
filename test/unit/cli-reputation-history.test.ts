/**
 * `cifer query reputation history` without a node: the extension's request and decoding, the
 * table and JSON it prints (in process), and argument errors before any connection (child
 * processes pointed at a port nothing listens on).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { QueryClient } from "@cosmjs/stargate";
import protobuf from "protobufjs";
import { devAccounts } from "../../chain/wiring/genesis.ts";
import { valoperFromAccount } from "../../client/addresses.ts";
import { emitReputationHistory } from "../../client/cli/commands/query-reputation.ts";
import { REPUTATION_PROTO_PATH, ReputationTier, setupReputationExtension } from "../../client/reputation.ts";
import { assertOneLineError, runCli } from "../helpers/cli.ts";

const DEAD_NODE = "http://127.0.0.1:9"; // discard port: nothing answers
const RUN_TIMEOUT_MS = 60_000;
const account = (await devAccounts(1))[0]!.address;
const valoper = valoperFromAccount(account);

const cifer = (args: string[]) => runCli(args, { env: { CIFER_NODE: DEAD_NODE }, timeoutMs: RUN_TIMEOUT_MS });

/** What `run` writes on stdout, written nowhere else. */
function stdoutOf(run: () => void): string {
  const write = process.stdout.write;
  let out = "";
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    run();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

const SAMPLES = [
  { height: 10n, reputation: 500_000n, tier: ReputationTier.Initial },
  { height: 20n, reputation: 953_000n, tier: ReputationTier.Trusted },
  { height: 30n, reputation: 1_000_000n, tier: ReputationTier.Trusted },
];

describe("reputation history (in process)", () => {
  test("the extension sends QueryHistoryRequest with the page and decodes the samples", async () => {
    const root = protobuf.loadSync(REPUTATION_PROTO_PATH);
    const t = (n: string) => root.lookupType(`cifer.reputation.v1.${n}`);
    const seen: Array<[string, Uint8Array]> = [];
    const fake = {
      queryAbci: async (path: string, data: Uint8Array) => {
        seen.push([path, data]);
        const value = t("QueryHistoryResponse")
          .encode({
            samples: [
              { height: 10, reputation: 500000, tier: 2 },
              { height: 20, reputation: 953000, tier: 3 },
            ],
            pagination: { nextKey: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 30) },
          })
          .finish();
        return { value, height: 31 };
      },
    } as unknown as QueryClient;
    const { reputation } = setupReputationExtension(fake);
    const res = await reputation.history(valoper, { limit: 2n, reverse: true });
    assert.equal(seen[0]![0], "/cifer.reputation.v1.Query/History");
    const req = t("QueryHistoryRequest").toObject(t("QueryHistoryRequest").decode(seen[0]![1]), {
      longs: String,
    });
    assert.equal(req.validatorAddress, valoper);
    assert.equal(req.pagination.limit, "2");
    assert.equal(req.pagination.reverse, true);
    assert.deepEqual(res.samples, SAMPLES.slice(0, 2));
    assert.deepEqual([...res.pagination.nextKey], [0, 0, 0, 0, 0, 0, 0, 30]);
  });

  test("the table: height, R as a decimal, tier by name; JSON: protobuf JSON", () => {
    const text = stdoutOf(() => emitReputationHistory("text", SAMPLES));
    assert.equal(
      text,
      [
        "HEIGHT  REPUTATION  TIER",
        "10      0.5         initial",
        "20      0.953       trusted",
        "30      1           trusted",
        "",
      ].join("\n"),
    );
    assert.equal(
      stdoutOf(() => emitReputationHistory("text", [])),
      "no samples yet\n",
    );
    assert.deepEqual(JSON.parse(stdoutOf(() => emitReputationHistory("json", SAMPLES))), {
      samples: [
        { height: "10", reputation: "500000", tier: "TIER_INITIAL" },
        { height: "20", reputation: "953000", tier: "TIER_TRUSTED" },
        { height: "30", reputation: "1000000", tier: "TIER_TRUSTED" },
      ],
    });
  });
});

describe("cifer query reputation history: bad arguments fail before any connection", {
  concurrency: 3,
}, () => {
  const cases: Array<[string, string[], RegExp]> = [
    ["an account address", ["query", "reputation", "history", account], /invalid validator address/],
    ["garbage", ["query", "reputation", "history", "cifvaloper1xyz"], /invalid validator address/],
    [
      "a bad consensus address",
      ["query", "reputation", "history", "cifvalcons1abc"],
      /invalid consensus address/,
    ],
    ["no argument", ["query", "reputation", "history"], /missing required argument 'validator'/],
    ["a bad output", ["query", "reputation", "history", valoper, "-o", "yaml"], /yaml/],
  ];
  for (const [name, args, pattern] of cases)
    test(name, async () => assertOneLineError(await cifer(args), pattern, { exitCode: 2, offline: true }));

  test("a valid address does reach for the node (so the errors above came from validation)", async () => {
    const r = await cifer(["query", "reputation", "history", valoper]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: cannot reach the node at http:\/\/127\.0\.0\.1:9/);
  });

  test("--help: usage, what it shows, examples", async () => {
    const r = await cifer(["query", "reputation", "history", "--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: cifer query reputation history \[options\] <validator>/);
    assert.match(r.stdout, /history_interval/);
    assert.match(r.stdout, /Examples:\n {2}\$ cifer query reputation history cifvaloper1/);
  });
});
