import { AppError } from '../errors';
import { UsageError } from './command';
import { commands } from './commands';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return ['Usage: greenlight <command> [options]', '', 'Commands:', ...lines, '', 'greenlight <command> --help shows its options.'].join('\n');
}

/** Entry point of the `greenlight` command; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`greenlight: unknown command '${name}'\n\n${help()}\n`);
    return 2;
  }
  const chosen = await command.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${chosen.usage}\n`);
    return 0;
  }
  try {
    return await chosen.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`greenlight ${name}: ${error.message}\n\n${chosen.usage}\n`);
      return 2;
    }
    if (error instanceof AppError) {
      process.stderr.write(`greenlight ${name}: ${error.message} [${error.code}]\n`);
      return 1;
    }
    throw error;
  }
}
