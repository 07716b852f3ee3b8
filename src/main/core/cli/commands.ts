import type { Command } from './command';
import { preflightCommand } from './preflight';
import { probeCommand } from './probe';
import { rehearseCommand } from './rehearse';
import { sandboxCommand } from './sandbox';
import { serveCommand } from './serve';
import { smokeCommand } from './smoke';
import { verifyCommand } from './verify';

/** Every subcommand, in the order `greenlight --help` lists them. */
export const commands: Command[] = [
  serveCommand,
  sandboxCommand,
  smokeCommand,
  probeCommand,
  verifyCommand,
  preflightCommand,
  rehearseCommand,
];
