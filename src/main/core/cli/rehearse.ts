import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { scenarioNames } from '../sandbox/scenarios';
import { UsageError, type CommandModule } from './command';
import { scenarioFlag, timeScaleFlag } from './flags';

const DEFAULT_TIME_SCALE = 100;

export const rehearseCommand: CommandModule = {
  usage: [
    'Usage: greenlight rehearse --scenario NAME [--time-scale N] [--export DIR] [--data-dir DIR] [--version X] [--json]',
    '',
    '  --scenario NAME   happy, smoke-fails, slow-green, alarm-rollback, hook-fails, ready-timeout, throttling,',
    '                    already-active, vpn-down or sso-expired',
    `  --time-scale N    sandbox clock speed (default ${DEFAULT_TIME_SCALE}: the 20-minute Ready window lasts 12 s,`,
    '                    long enough for newman and the load probe on a busy laptop; 600 gives 2 s)',
    '  --export DIR      release vault folder for the bundle (default: <data dir>/vault)',
    '  --data-dir DIR    where the evidence database goes (default: a new temporary folder)',
    "  --version X       the version to release (default 1.5.1, the sandbox ECR's next release)",
    '  --json            print the result as JSON at the end',
    '',
    'Attestations are recorded as rehearsal. Prints each step as it goes; exits 0 only when the run ended as the',
    'scenario should (happy: released and verified on production; vpn-down: stopped before any AWS change; ...).',
  ].join('\n'),
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        scenario: { type: 'string' },
        'time-scale': { type: 'string' },
        export: { type: 'string' },
        'data-dir': { type: 'string' },
        version: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
    if (values.scenario === undefined)
      throw new UsageError(`--scenario is required (one of ${scenarioNames.join(', ')})`);
    const scenario = scenarioFlag(values.scenario);
    const timeScale = timeScaleFlag(values['time-scale']) ?? DEFAULT_TIME_SCALE;
    if (values.version !== undefined) {
      const { Version } = await import('../../../shared/contract');
      const checked = Version.safeParse(values.version);
      if (!checked.success) {
        throw new UsageError(
          `--version: ${checked.error.issues[0]?.message ?? 'expected a semantic version'}, got ${JSON.stringify(values.version)}`,
        );
      }
    }
    const dataDir =
      values['data-dir'] === undefined
        ? await mkdtemp(join(tmpdir(), 'greenlight-rehearsal-'))
        : resolve(values['data-dir']);
    const { rehearse } = await import('../runbook/rehearsal');
    const out = (line: string): boolean => process.stdout.write(line + '\n');
    const t0 = performance.now();
    out(`Rehearsal of scenario ${scenario} at ${timeScale}x (evidence in ${dataDir})`);
    const result = await rehearse({
      scenario,
      timeScale,
      dataDir,
      ...(values.export === undefined ? {} : { vaultRoot: resolve(values.export) }),
      ...(values.version === undefined ? {} : { version: values.version }),
      onStep: (e) => {
        const at = `${((performance.now() - t0) / 1000).toFixed(1)}s`.padStart(7);
        out(
          `[${at}] ${e.state.padEnd(10)} ${e.title}${e.summary && e.state !== 'running' ? ` — ${e.summary}` : ''}`,
        );
      },
    });
    const { view, judgement } = result;
    out('');
    out(`Outcome: ${view.outcome ?? 'none'} — ${view.headline}`);
    if (result.bundle !== undefined)
      out(
        `Bundle: ${result.bundle.path} (${result.bundle.files} files, ${result.bundle.bytes} bytes)${result.bundleProblems.length === 0 ? ', verified' : ''}`,
      );
    out(`Expected: ${judgement.expected} — ${judgement.ok ? 'yes' : 'NO'}`);
    for (const problem of judgement.problems) out(`  - ${problem}`);
    out(
      `Wall time ${(result.wallMs / 1000).toFixed(1)} s; CPU ${(result.cpuMs.user / 1000).toFixed(1)} s user + ${(result.cpuMs.system / 1000).toFixed(1)} s system`,
    );
    if (values.json) {
      out(
        JSON.stringify({
          scenario,
          timeScale,
          outcome: view.outcome,
          runId: view.id,
          judgement,
          bundle: result.bundle,
          wallMs: Math.round(result.wallMs),
        }),
      );
    }
    return judgement.ok ? 0 : 1;
  },
};
