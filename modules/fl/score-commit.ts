import { sha256 } from "../../chain/crypto/hash.ts";
import { FlCode, flError } from "./errors.ts";
import { encode, type ScoreCommitment, ScoreCommitmentCodec, type ScoreSheet } from "./proto.ts";

// Commit-reveal of a committee member's scores (issue #6, item 2). The commitment binds the sheet to
// one stage, attempt and member, so a member can neither copy another's commitment nor reuse its
// own elsewhere, and hides the scores behind a 32-byte secret salt until the reveal. The node and
// the validators' service build it with this one function.

const DOMAIN = new TextEncoder().encode("cifer-fl-scores/v1\n");

export const SALT_BYTES = 32;
export const PPM_MAX = 1_000_000;

/** sha256("cifer-fl-scores/v1\n" || canonical proto3 bytes of the ScoreCommitment). */
export function scoreCommitment(c: ScoreCommitment): Uint8Array {
  return sha256(DOMAIN, encode(ScoreCommitmentCodec, c));
}

/**
 * A sheet must score every updater of the stage exactly once, in address order, with values in
 * millionths; anything else is refused (the member's commitment then stays unrevealed).
 */
export function checkSheet(sheet: ScoreSheet | undefined, updaters: readonly string[]): ScoreSheet {
  if (!sheet) throw flError(FlCode.InvalidScores, "the reveal has no score sheet");
  if (sheet.scores.length !== updaters.length)
    throw flError(
      FlCode.InvalidScores,
      `the sheet scores ${sheet.scores.length} updates, the stage has ${updaters.length}`,
    );
  for (const [i, s] of sheet.scores.entries()) {
    if (s.participant !== updaters[i])
      throw flError(
        FlCode.InvalidScores,
        `score ${i} is for ${s.participant.slice(0, 80)}, expected ${updaters[i]} (every updater once, in address order)`,
      );
    if (s.trustPpm > PPM_MAX || s.accuracyPpm > PPM_MAX)
      throw flError(FlCode.InvalidScores, `scores of ${s.participant} exceed ${PPM_MAX} ppm`);
  }
  if (sheet.globalAccuracyPpm > PPM_MAX)
    throw flError(FlCode.InvalidScores, `global accuracy ${sheet.globalAccuracyPpm} exceeds ${PPM_MAX} ppm`);
  return sheet;
}
