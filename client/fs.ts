/** Small file-system helpers shared by the CLI and the keyring. */
import { readSync } from "node:fs";

/**
 * Reads the first `size` bytes of an open file (its size from `fstat`) as UTF-8 text; fewer if the file
 * shrank since, never more, so a file that grows meanwhile cannot exceed a size limit checked beforehand.
 */
export function readFdUtf8(fd: number, size: number): string {
  const buf = Buffer.alloc(size);
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off).toString("utf8");
}
