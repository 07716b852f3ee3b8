/**
 * bench/watch: how soon Greenlight's deployment watcher notices what happens to a deployment, and at what AWS call
 * rate, beside the AWS CLI waiter (`aws deploy wait deployment-successful`, a 15 s GetDeployment poll) watching the
 * same deployment of the same sandbox in the same run.
 *
 *   npx tsx bench/watch.ts [--time-scale 10] [--waiters 4]
 *
 * What is measured:
 * - Transitions are the instants AWS itself reports for the deployment (the sandbox's CodeDeploy API): the start,
 *   each lifecycle event's start and end, Ready, the termination wait's start, Succeeded. Their sandbox-clock
 *   timestamps are mapped to wall time through the sandbox's linear clock; instants shared by several events count
 *   once. Our own ContinueDeployment is excluded (the watcher is poked by it, which would flatter it).
 * - Awareness latency = wall time of the watcher's first observation showing the transition minus the transition's
 *   wall time (it includes the HTTP round trips of the poll).
 * - Calls/s = AWS calls (SDK attempts) made by the watcher from its start to its last observation, divided by that
 *   time. The run is time-compressed (time scale N: sandbox waits pass N times faster while our intervals are real
 *   seconds), which puts a larger share of the run in the fast-polling phases than a real release: the real-time
 *   rate is lower than the figure printed here.
 * - The CLI waiter can only report Succeeded. Several waiters are started at staggered offsets across its 15 s poll
 *   so their latencies sample the poll phase; the median of those is printed. Their calls go through a counting
 *   loopback proxy.
 */
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { sandboxEnvironment } from '../src/main/core/config';
import {
  codeDeployEcsDriver,
  createAwsSession,
  type DeploymentObservation,
  type AwsCallMeta,
} from '../src/main/core/aws';
import { startSandbox } from '../src/main/core/sandbox';

process.env['GREENLIGHT_LOG'] ??= 'silent';

const { values } = parseArgs({
  options: {
    'time-scale': { type: 'string', default: '10' },
    waiters: { type: 'string', default: '4' },
    'validation-seconds': { type: 'string', default: '60' },
  },
});
const timeScale = Number(values['time-scale']);
const waiterCount = Number(values.waiters);
const validationSandboxMs = Number(values['validation-seconds']) * 1000;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? (s[mid] ?? NaN)
      : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const sec = (ms: number): string => (ms / 1000).toFixed(2) + ' s';

/** A loopback proxy in front of the sandbox that counts what passes through (the CLI's calls). */
function countingProxy(target: URL): Promise<{ url: string; count: () => number; server: Server }> {
  let n = 0;
  const server = createServer((req, res) => {
    n += 1;
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        count: () => n,
        server,
      }),
    ),
  );
}

async function main(): Promise<void> {
  const sandbox = await startSandbox({ timeScale });
  const env = sandboxEnvironment(sandbox);
  const calls: { at: number; meta: AwsCallMeta }[] = [];
  let counting = false;
  const session = createAwsSession(env, {
    credentials: sandbox.credentials,
    timeScale,
    awsNow: () => sandbox.clock.now(),
    onCall: (meta) => {
      // The watcher's reads only (our approval goes through the same session).
      if (
        counting &&
        (meta.operation === 'GetDeployment' || meta.operation === 'GetDeploymentTarget')
      ) {
        calls.push({ at: Date.now(), meta });
      }
    },
  });
  const driver = codeDeployEcsDriver(session);
  const wallOf = (sandboxMs: number): number =>
    Date.now() - (sandbox.clock.now() - sandboxMs) / timeScale;

  const current = await driver.describeCurrentTaskDefinition();
  const registered = await driver.registerRevision(current, { version: '1.5.1' });
  const proxy = await countingProxy(new URL(sandbox.endpoint));

  const created = await driver.startDeployment({
    runId: `bench-${Date.now()}`,
    version: '1.5.1',
    taskDefinitionArn: registered.arn,
  });
  const id = created.deploymentId;
  const watchStart = Date.now();
  counting = true;

  // The AWS CLI waiters, staggered across the 15 s poll.
  const cliEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: sandbox.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sandbox.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_PAGER: '',
  };
  const waiters: Promise<{ startedAt: number; exitedAt: number; code: number | null }>[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (let i = 0; i < waiterCount; i += 1) {
    waiters.push(
      new Promise((resolve) => {
        timers.push(
          setTimeout(
            () => {
              const startedAt = Date.now();
              const child = spawn(
                'aws',
                [
                  'deploy',
                  'wait',
                  'deployment-successful',
                  '--deployment-id',
                  id,
                  '--endpoint-url',
                  proxy.url,
                ],
                { env: cliEnv, stdio: 'ignore' },
              );
              child.on('error', () => resolve({ startedAt, exitedAt: Date.now(), code: null }));
              child.on('close', (code) => resolve({ startedAt, exitedAt: Date.now(), code }));
            },
            (i * 15_000) / waiterCount,
          ),
        );
      }),
    );
  }

  const observations: { at: number; o: DeploymentObservation }[] = [];
  let approvedAt: number | undefined;
  let readySeenAt: number | undefined;
  const watch = driver.watch(id, {
    onObservation: (o) => {
      observations.push({ at: Date.now(), o });
      if (o.status === 'Ready' && readySeenAt === undefined) {
        readySeenAt = Date.now();
        // The operator's validation takes `validation-seconds` of sandbox time, then approves.
        setTimeout(() => {
          approvedAt = Date.now();
          watch.expectAction('continue-ready');
          void driver.approveTraffic(id);
        }, validationSandboxMs / timeScale);
      }
    },
  });
  const outcome = await watch.done;
  const watchEnd = observations.at(-1)?.at ?? Date.now();
  counting = false;
  const cli = await Promise.all(waiters);
  for (const t of timers) clearTimeout(t);

  // Ground truth: the instants CodeDeploy reports, mapped to wall time.
  const final = await driver.getDeployment(id);
  const target = outcome.target;
  const transitions: { name: string; wall: number; seen: (o: DeploymentObservation) => boolean }[] =
    [];
  const add = (
    name: string,
    iso: string | undefined,
    seen: (o: DeploymentObservation) => boolean,
  ): void => {
    if (iso !== undefined) transitions.push({ name, wall: wallOf(Date.parse(iso)), seen });
  };
  add(
    'InProgress (start)',
    final.deployment.startTime,
    (o) => o.status !== 'Created' && o.status !== 'Queued',
  );
  for (const e of target?.lifecycleEvents ?? []) {
    const ev = (o: DeploymentObservation) =>
      o.target?.lifecycleEvents.find((x) => x.name === e.name)?.status;
    add(`${e.name} started`, e.startTime, (o) =>
      ['InProgress', 'Succeeded', 'Failed', 'Skipped'].includes(ev(o) ?? ''),
    );
    add(`${e.name} ended`, e.endTime, (o) =>
      ['Succeeded', 'Failed', 'Skipped'].includes(ev(o) ?? ''),
    );
  }
  const afterTest = target?.lifecycleEvents.find(
    (e) => e.name === 'AfterAllowTestTraffic',
  )?.endTime;
  add(
    'Ready',
    afterTest,
    (o) => o.status === 'Ready' || o.deployment.terminationWaitStarted || o.status === 'Succeeded',
  );
  const afterAllow = target?.lifecycleEvents.find((e) => e.name === 'AfterAllowTraffic')?.endTime;
  add('termination wait started', afterAllow, (o) => o.deployment.terminationWaitStarted);
  add('Succeeded', final.deployment.completeTime, (o) => o.status === 'Succeeded');

  // Our approval (and what it immediately causes) is excluded: the watcher was poked by it.
  const ours = (t: { wall: number }) =>
    approvedAt !== undefined && t.wall >= approvedAt - 50 && t.wall <= approvedAt + 1_500;
  const byInstant = new Map<number, { names: string[]; latency: number }>();
  for (const t of transitions) {
    if (ours(t)) continue;
    const first = observations.find(
      (x) => x.o.kind !== 'poll-error' && x.o.seq > 0 && x.at >= t.wall - 250 && t.seen(x.o),
    );
    if (first === undefined) continue;
    const key = Math.round(t.wall / 50);
    const entry = byInstant.get(key);
    const latency = Math.max(0, first.at - t.wall);
    if (entry) entry.names.push(t.name);
    else byInstant.set(key, { names: [t.name], latency });
  }
  const latencies = [...byInstant.values()].map((v) => v.latency);
  const succeededWall = transitions.find((t) => t.name === 'Succeeded')?.wall ?? NaN;
  const ourSucceeded = observations.find((x) => x.o.status === 'Succeeded');
  const cliLatencies = cli.filter((c) => c.code === 0).map((c) => c.exitedAt - succeededWall);
  const cliLifetime = cli.reduce((s, c) => s + (c.exitedAt - c.startedAt), 0);
  const watchSeconds = (watchEnd - watchStart) / 1000;
  const perOp = new Map<string, number>();
  for (const c of calls)
    perOp.set(c.meta.operation, (perOp.get(c.meta.operation) ?? 0) + c.meta.attempts);
  const ourCalls = calls.reduce((s, c) => s + c.meta.attempts, 0);

  const lines = [
    `bench/watch — sandbox time scale ${timeScale}x (lifecycle ~111 s, termination wait 10 min of sandbox time), deployment ${id} ${outcome.deployment?.status ?? '?'}`,
    `  run: ${watchSeconds.toFixed(1)} s wall from CreateDeployment to Succeeded observed; validation before approval ${values['validation-seconds']} s sandbox`,
    '',
    `Greenlight watcher (${byInstant.size} distinct transition instants, our own approval excluded)`,
    `  awareness latency: median ${sec(median(latencies))}, p90 ${sec(pct(latencies, 90))}, max ${sec(Math.max(...latencies))}`,
    `  Succeeded noticed after: ${ourSucceeded ? sec(ourSucceeded.at - succeededWall) : 'n/a'}`,
    `  AWS calls: ${ourCalls} in ${watchSeconds.toFixed(1)} s = ${(ourCalls / watchSeconds).toFixed(2)} calls/s (${[...perOp].map(([k, v]) => `${k} ${v}`).join(', ')})`,
    `  observations emitted: ${observations.length}`,
    '',
    `AWS CLI waiter (aws deploy wait deployment-successful, 15 s poll), ${cli.length} waiters staggered by ${(15 / waiterCount).toFixed(2)} s`,
    `  Succeeded noticed after: median ${sec(median(cliLatencies))} (each: ${cliLatencies.map((l) => sec(l)).join(', ')})`,
    `  AWS calls: ${proxy.count()} over ${(cliLifetime / 1000).toFixed(1)} waiter-seconds = ${(proxy.count() / (cliLifetime / 1000)).toFixed(3)} calls/s per waiter`,
    `  (it reports nothing but the end: no lifecycle events, no Ready, no traffic weights)`,
    '',
    `Goal: median awareness <= 2 s at <= 0.6 calls/s -> ${median(latencies) <= 2000 && ourCalls / watchSeconds <= 0.6 ? 'met' : 'NOT met'} at this time scale.`,
  ];
  if (process.env['BENCH_TRACE'])
    for (const c of calls)
      process.stdout.write(`${((c.at - watchStart) / 1000).toFixed(1)} ${c.meta.operation}\n`);
  if (process.env['BENCH_TRACE'])
    for (const x of observations)
      process.stdout.write(
        `obs ${((x.at - watchStart) / 1000).toFixed(1)} ${x.o.kind} ${x.o.status} ${x.o.changes.join('; ')} ${x.o.countdown?.endsAt ?? ''}\n`,
      );
  process.stdout.write(lines.join('\n') + '\n');
  proxy.server.close();
  session.close();
  await sandbox.close();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench/watch failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
