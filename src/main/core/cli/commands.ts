import type { Command } from './command';
import { serveCommand } from './serve';

/** Every subcommand, in the order `greenlight --help` lists them. */
export const commands: Command[] = [serveCommand];
