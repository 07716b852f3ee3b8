import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseWitness, summarizeBundle, verifyBundle, type Witness } from '../vault/verify';
import { UsageError } from './command';
import type { CommandModule } from './command';

export const verifyCommand: CommandModule = {
  usage: [
    'Usage: greenlight verify <bundle folder or zip> [--witness SEQ:HASH ...] [--json]',
    '',
    '  --witness SEQ:HASH  a journal entry hash recorded outside the bundle at the time (the release notice in',
    '                      Slack quotes one): the bundle must hold that entry with that hash. Repeatable.',
    '  --json              print the full report as JSON',
    '',
    'Recomputes the SHA-256 of every file against manifest.json and SHA256SUMS, and the journal.jsonl hash chain.',
    'Exits 0 with a one-line summary when everything holds; exits 1 listing every modified, missing or extra',
    'file and the first broken link of the chain. The same check as `sha256sum -c SHA256SUMS`, plus the chain.',
    'Whoever writes a bundle can rewrite the journal, manifest and sums together; a witness catches that.',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        json: { type: 'boolean', default: false },
        witness: { type: 'string', multiple: true, default: [] },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1 || positionals[0] === undefined) {
      throw new UsageError('expected exactly one bundle folder or zip');
    }
    const witnesses: Witness[] = values.witness.map((text) => {
      const parsed = parseWitness(text);
      if ('error' in parsed) throw new UsageError(`--witness: ${parsed.error}`);
      return parsed;
    });
    const report = await verifyBundle(resolve(positionals[0]), { witnesses });
    if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    if (report.ok) {
      if (!values.json) process.stdout.write(summarizeBundle(report) + '\n');
      return 0;
    }
    const lines = report.problems.map((p) => `  ${p.message}`);
    process.stderr.write(`${summarizeBundle(report)}\n${lines.join('\n')}\n`);
    return 1;
  },
};
