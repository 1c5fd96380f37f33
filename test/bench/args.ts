/**
 * The command line of a bench: `--help` (or `-h`) prints its usage and exits 0; an option the
 * bench does not know, or a malformed one, prints the error and the usage and exits 2 (instead of
 * parseArgs' stack trace).
 */
export function benchArgs<T>(usage: string, parse: () => T): T {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(usage);
    process.exit(0);
  }
  try {
    return parse();
  } catch (e) {
    console.error(`Error: ${(e as Error).message}\n\n${usage}`);
    process.exit(2);
  }
}
