import assert from "node:assert/strict";
import { test } from "node:test";
import { toAddress } from "../../chain/crypto/address.ts";
import { Dec } from "../../chain/types/dec.ts";
import { CHUNK_BITS, chunkIndexOf, setIndexes, testBit, withBit } from "../../modules/slashing/bitmap.ts";
import { parseSlashingGenesis } from "../../modules/slashing/genesis.ts";
import { DEFAULT_SLASHING_PARAMS, type SlashingParams } from "../../modules/slashing/params.ts";
import {
  downtimeDistributionHeight,
  equivocationDistributionHeight,
  isDowntime,
  maxMissedBlocks,
  minSignedPerWindow,
  missedCounterAfter,
  windowIndex,
} from "../../modules/slashing/window.ts";

// The pure parts of x/slashing: window arithmetic, the chunked bitmap, the genesis reader.

const params = (window: bigint, minSigned: string): SlashingParams => ({
  ...DEFAULT_SLASHING_PARAMS,
  signedBlocksWindow: window,
  minSignedPerWindow: Dec.parse(minSigned),
});

test("how many blocks of the window must be signed: window x fraction, rounded half to even", () => {
  assert.equal(minSignedPerWindow(DEFAULT_SLASHING_PARAMS), 50n);
  assert.equal(maxMissedBlocks(DEFAULT_SLASHING_PARAMS), 50n);
  for (const [window, fraction, minSigned] of [
    [7n, "0.5", 4n], // 3.5 -> 4 (even)
    [5n, "0.5", 2n], // 2.5 -> 2 (even)
    [10n, "0.55", 6n], // 5.5 -> 6
    [10n, "0.54", 5n],
    [10n, "0.56", 6n],
    [10n, "0", 0n],
    [10n, "1", 10n],
  ] as const) {
    const p = params(window, fraction);
    assert.equal(minSignedPerWindow(p), minSigned, `${window} x ${fraction}`);
    assert.equal(maxMissedBlocks(p), window - minSigned);
  }
});

test("a vote's place in the circular window, and the counter as bits flip", () => {
  assert.deepEqual(
    [0n, 9n, 10n, 23n].map((o) => windowIndex(o, 10n)),
    [0n, 9n, 0n, 3n],
  );
  assert.equal(missedCounterAfter(3n, false, true), 4n);
  assert.equal(missedCounterAfter(3n, true, false), 2n);
  assert.equal(missedCounterAfter(3n, true, true), 3n);
  assert.equal(missedCounterAfter(3n, false, false), 3n);
});

test("downtime only past the first window and only above the allowed misses", () => {
  const p = params(10n, "0.5"); // at most 5 missed
  assert.equal(isDowntime(p, 15n, 5n, 6n), false, "height = start + window");
  assert.equal(isDowntime(p, 16n, 5n, 6n), true);
  assert.equal(isDowntime(p, 16n, 5n, 5n), false, "exactly the allowed misses");
  assert.equal(isDowntime(p, 1000n, 5n, 10n), true);
});

test("infraction heights: the stake that signed the last commit, and the evidence's height less the update delay", () => {
  assert.equal(downtimeDistributionHeight(100n), 98n);
  assert.equal(downtimeDistributionHeight(1n), -1n, "before genesis: every unbonding counts");
  assert.equal(equivocationDistributionHeight(50n), 49n);
});

test("the counter always equals the bits set, over several windows of a pattern of votes", () => {
  const window = 7n;
  let chunk: Uint8Array | undefined;
  let counter = 0n;
  for (let offset = 0n; offset < 5n * window; offset++) {
    const missed = (offset * 5n) % 3n === 0n || offset % 11n === 4n;
    const i = windowIndex(offset, window);
    const previous = testBit(chunk, i);
    chunk = withBit(chunk, i, missed);
    counter = missedCounterAfter(counter, previous, missed);
    assert.equal(BigInt(chunk ? setIndexes(0n, chunk).length : 0), counter, `after offset ${offset}`);
  }
});

test("the chunked bitmap: 1024 bits per chunk, trailing zero bytes trimmed, empty chunks dropped", () => {
  assert.equal(CHUNK_BITS, 1024n);
  assert.deepEqual([0n, 1023n, 1024n, 5000n].map(chunkIndexOf), [0n, 0n, 1n, 4n]);
  let c = withBit(undefined, 9n, true);
  assert.deepEqual(c, Uint8Array.of(0, 2));
  c = withBit(c, 0n, true);
  assert.deepEqual(c, Uint8Array.of(1, 2));
  assert.equal(testBit(c, 9n), true);
  assert.equal(testBit(c, 8n), false);
  assert.equal(testBit(c, 1033n), true, "the bit within its own chunk");
  assert.equal(testBit(undefined, 3n), false);
  assert.deepEqual(setIndexes(2n, c!), [2048n, 2057n]);
  c = withBit(c, 9n, false);
  assert.deepEqual(c, Uint8Array.of(1));
  assert.equal(withBit(c, 0n, false), undefined);
  assert.equal(withBit(undefined, 1023n, true)!.length, 128);
});

test("genesis: SDK proto JSON, defaults, and what is refused", () => {
  const cons = new Uint8Array(20).fill(7);
  const address = toAddress(cons, "cifvalcons");
  const g = parseSlashingGenesis({
    params: { signed_blocks_window: "10", min_signed_per_window: "0.500000000000000000" },
    signing_infos: [
      {
        address,
        validator_signing_info: {
          address,
          start_height: "3",
          index_offset: "12",
          jailed_until: "2026-01-01T00:00:10.5Z",
          tombstoned: false,
          missed_blocks_counter: "1",
        },
      },
    ],
    missed_blocks: [{ address, missed_blocks: [{ index: "4", missed: true }] }],
  });
  assert.equal(g.params.signedBlocksWindow, 10n);
  assert.equal(g.params.downtimeJailSeconds, 600n, "default");
  assert.equal(g.params.slashFractionDoubleSign.toString(), "0.050000000000000000");
  assert.deepEqual(g.signingInfos[0]!.info.jailedUntil, { seconds: 1_767_225_610n, nanos: 500_000_000 });
  assert.deepEqual(g.missedBlocks, [{ cons, indexes: [4n] }]);
  assert.deepEqual(parseSlashingGenesis(undefined).params, DEFAULT_SLASHING_PARAMS);

  const refused: [unknown, RegExp][] = [
    [{ params: { signed_blocks_window: "0" } }, /signed_blocks_window must be positive/],
    [{ params: { slash_fraction_downtime: "1.5" } }, /slash_fraction_downtime must be within/],
    [{ params: { downtime_jail_duration: "10m" } }, /downtime_jail_duration/],
    [
      {
        params: { signed_blocks_window: "10" },
        missed_blocks: [{ address, missed_blocks: [{ index: "10", missed: true }] }],
      },
      /outside the 10-block window/,
    ],
    [{ signing_infos: [{ address: "cif1xyz", validator_signing_info: {} }] }, /signing_infos\[0\]\.address/],
    [
      {
        signing_infos: [
          { address, validator_signing_info: {} },
          { address, validator_signing_info: {} },
        ],
      },
      /appears twice/,
    ],
    [
      {
        signing_infos: [
          { address, validator_signing_info: { address: toAddress(new Uint8Array(20), "cifvalcons") } },
        ],
      },
      /differs/,
    ],
  ];
  for (const [genesis, error] of refused) assert.throws(() => parseSlashingGenesis(genesis), error);
});
