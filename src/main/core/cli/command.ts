/**
 * What a `greenlight` subcommand does once it is chosen. `run` gets the arguments after the subcommand's name and
 * returns the exit code; it prints results to stdout (JSON with --json) and problems to stderr.
 */
export type CommandModule = {
  usage: string;
  run(args: string[]): Promise<number>;
};

/**
 * A subcommand as `greenlight --help` lists it. Its module is imported only when the command runs: `serve` should
 * not pay for newman, the probe or the rehearsal engine before it can print its URL.
 */
export type Command = {
  name: string;
  summary: string;
  load(): Promise<CommandModule>;
};

/** Thrown for a wrong command line; the CLI prints the message and the command's usage, then exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
