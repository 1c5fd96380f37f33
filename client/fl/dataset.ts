/**
 * A trainer's local data: a numeric CSV (optionally gzipped), one sample per row, the features then
 * the integer class label in the last column, no header (the layout of datasets/digits.csv.gz). The
 * data never leaves the trainer's machine; only trained weights do.
 */
import { readFileSync, statSync } from "node:fs";
import { gunzipSync } from "node:zlib";

export interface Dataset {
  /** Row-major features, `count * features` values. */
  x: Float32Array;
  /** Class labels 0..classes-1. */
  y: Int32Array;
  count: number;
  features: number;
}

export class DatasetError extends Error {}

/** Files larger than this are refused (the trainer holds the whole set in memory). */
export const MAX_DATASET_BYTES = 512 * 1024 * 1024;

export const DIGITS_PATH = new URL("../../test/fixtures/digits.csv.gz", import.meta.url).pathname;

/** The records of a CSV: its non-blank lines. */
export const csvRows = (text: string): string[] => text.split(/\r?\n/).filter((l) => l.trim() !== "");

export function parseCsvDataset(text: string, what = "dataset"): Dataset {
  const rows = csvRows(text);
  if (rows.length === 0) throw new DatasetError(`${what}: no rows`);
  const features = rows[0]!.split(",").length - 1;
  if (features < 1) throw new DatasetError(`${what}: a row needs at least one feature and a label`);
  const x = new Float32Array(rows.length * features);
  const y = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    const cells = row.split(",");
    if (cells.length !== features + 1) {
      throw new DatasetError(`${what} row ${i + 1}: ${cells.length} columns, expected ${features + 1}`);
    }
    for (let j = 0; j < features; j++) {
      const v = Number(cells[j]);
      if (cells[j]!.trim() === "" || !Number.isFinite(v)) {
        throw new DatasetError(`${what} row ${i + 1} column ${j + 1}: not a finite number: ${cells[j]}`);
      }
      x[i * features + j] = v;
    }
    const label = Number(cells[features]);
    if (!Number.isInteger(label) || label < 0) {
      throw new DatasetError(
        `${what} row ${i + 1}: the label must be an integer >= 0, got ${cells[features]}`,
      );
    }
    y[i] = label;
  });
  return { x, y, count: rows.length, features };
}

/** CSV bytes as text, gunzipped first when they are gzip (at most MAX_DATASET_BYTES either way). */
export function csvTextOf(bytes: Uint8Array, what = "dataset"): string {
  let b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b[0] === 0x1f && b[1] === 0x8b) {
    try {
      b = gunzipSync(b, { maxOutputLength: MAX_DATASET_BYTES });
    } catch (e) {
      throw new DatasetError(`${what}: not a valid gzip file: ${(e as Error).message}`);
    }
  }
  if (b.length > MAX_DATASET_BYTES)
    throw new DatasetError(`${what}: ${b.length} bytes, more than ${MAX_DATASET_BYTES}`);
  return b.toString("utf8");
}

/** The text of a CSV file (optionally gzipped), refused before reading when it is too large. */
export function readCsvText(path: string): string {
  let bytes: Buffer;
  try {
    const { size } = statSync(path);
    if (size > MAX_DATASET_BYTES)
      throw new DatasetError(`${path}: ${size} bytes, more than ${MAX_DATASET_BYTES}`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return csvTextOf(bytes, path);
}

export function loadCsvDataset(path: string): Dataset {
  return parseCsvDataset(readCsvText(path), path);
}

/** The samples at `indices`, in that order. */
export function subset(d: Dataset, indices: readonly number[]): Dataset {
  const x = new Float32Array(indices.length * d.features);
  const y = new Int32Array(indices.length);
  indices.forEach((src, i) => {
    x.set(d.x.subarray(src * d.features, (src + 1) * d.features), i * d.features);
    y[i] = d.y[src]!;
  });
  return { x, y, count: indices.length, features: d.features };
}
