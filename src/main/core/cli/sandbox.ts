import { parseArgs } from 'node:util';
import {
  scenarioNames,
  scenarioSummaries,
  startSandbox,
  type SandboxOptions,
} from '../sandbox/index';
import { awsCliExamples } from '../sandbox/examples';
import { UsageError, type CommandModule } from './command';
import { portFlag, scenarioFlag, timeScaleFlag } from './flags';

const usage = `Usage: greenlight sandbox [--port N] [--scenario NAME] [--time-scale N] [--state FILE]

Runs the simulated AWS (CodeDeploy, ECS, ECR, Secrets Manager, CloudWatch, STS, SSO portal) and the Fixnado
fleet (production and validation listeners), plus a simulated Slack incoming webhook and Grafana API, on
127.0.0.1 until Ctrl-C. The first line printed is the AWS endpoint URL alone; then the fleet, Slack and Grafana
URLs and commands to paste. GET the control URL to see what Slack and Grafana received.

Options:
  --port N          AWS endpoint port (default: a free port)
  --scenario NAME   one of: ${scenarioNames.join(', ')} (default happy)
  --time-scale N    sandbox clock speed (default 1; 600 makes the 20-minute Ready wait last 2 s)
  --state FILE      keep deployments in FILE so they survive a restart

Scenarios:
${scenarioNames.map((n) => `  ${n.padEnd(15)} ${scenarioSummaries[n]}`).join('\n')}`;

function options(args: string[]): SandboxOptions {
  let values: { port?: string; scenario?: string; 'time-scale'?: string; state?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        scenario: { type: 'string' },
        'time-scale': { type: 'string' },
        state: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const result: SandboxOptions = {};
  const port = portFlag(values.port);
  if (port !== undefined) result.port = port;
  const scenario = scenarioFlag(values.scenario);
  if (scenario !== undefined) result.scenario = scenario;
  const timeScale = timeScaleFlag(values['time-scale']);
  if (timeScale !== undefined) result.timeScale = timeScale;
  if (values.state !== undefined) {
    if (values.state === '') throw new UsageError('--state needs a file path.');
    result.stateFile = values.state;
  }
  return result;
}

/** `greenlight sandbox`: the sandbox as a standalone process, until SIGINT/SIGTERM. */
export const sandboxCommand: CommandModule = {
  usage,
  async run(args) {
    const opts = options(args);
    const sandbox = await startSandbox(opts);
    const out = (line = ''): boolean => process.stdout.write(line + '\n');
    out(sandbox.endpoint);
    out(
      `Greenlight sandbox: scenario ${sandbox.scenario()}, time scale ${sandbox.clock.timeScale}x, ` +
        `state ${opts.stateFile ?? 'in memory'}`,
    );
    out(
      `  AWS endpoint  ${sandbox.endpoint}  (CodeDeploy, ECS, ECR, Secrets Manager, CloudWatch, STS, SSO portal)`,
    );
    out(`  production    ${sandbox.productionUrl}`);
    out(`  validation    ${sandbox.validationUrl}`);
    out(`  slack         ${sandbox.integrations.slackWebhookUrl}  (incoming webhook)`);
    out(
      `  grafana       ${sandbox.integrations.grafana.url}  (token ${sandbox.integrations.grafana.token})`,
    );
    out(`  control       ${sandbox.controlUrl}  (GET state; POST {"scenario":"NAME"})`);
    out(
      `  region ${sandbox.region}, account ${sandbox.accountId}; any non-empty credentials are accepted`,
    );
    out();
    out('AWS CLI and curl, ready to paste:');
    for (const line of awsCliExamples(sandbox)) out(`  ${line}`);
    out();
    out('Ctrl-C stops the sandbox.');
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await sandbox.close();
    return 0;
  },
};
