/**
 * A `greenlight` subcommand. `run` gets the arguments after the subcommand's name and returns the exit code;
 * it prints results to stdout (JSON with --json) and problems to stderr.
 */
export type Command = {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
};

/** Thrown for a wrong command line; the CLI prints the message and the command's usage, then exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
