import { SeededRng, shuffle } from "../sampling.ts";
import { EvalSetError, EvalSetErrorCode } from "./errors.ts";

/**
 * Which records of the eval set a round uses (DIN): a different half of the set each round, drawn
 * with the round's eval seed (recorded on chain when the collection closes, so no trainer knows it
 * while training), and the whole set in the final round. A fixed test set could be overfitted by
 * trainers who learn from their scores; a fresh half each round, and the full set only once at the
 * end, leaves them nothing to aim at. Within the round's records (in the shuffled order) the first
 * half is the validation split, on which committee members train their FLTrust reference, and the
 * rest the test split, on which accuracies are measured. Both returned sorted. Pure.
 */
export function evalSplit(
  records: number,
  round: number,
  rounds: number,
  seed: Uint8Array,
): { validation: number[]; test: number[] } {
  if (!Number.isSafeInteger(records) || records < 4)
    throw new EvalSetError(
      EvalSetErrorCode.INVALID_SPLIT,
      `an eval set needs at least 4 records, got ${records}`,
    );
  if (
    !Number.isSafeInteger(rounds) ||
    rounds < 1 ||
    !Number.isSafeInteger(round) ||
    round < 1 ||
    round > rounds
  )
    throw new EvalSetError(EvalSetErrorCode.INVALID_SPLIT, `round ${round} of ${rounds}`);
  if (seed.length === 0) throw new EvalSetError(EvalSetErrorCode.INVALID_SPLIT, "the round has no eval seed");
  const order = shuffle(
    Array.from({ length: records }, (_, i) => i),
    new SeededRng(seed),
  );
  const used = round === rounds ? order : order.slice(0, Math.floor(records / 2));
  const cut = Math.ceil(used.length / 2);
  const sorted = (a: number[]) => a.sort((x, y) => x - y);
  return { validation: sorted(used.slice(0, cut)), test: sorted(used.slice(cut)) };
}
