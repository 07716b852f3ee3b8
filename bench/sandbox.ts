/**
 * bench/sandbox: what the sandbox costs and how it behaves under load.
 *
 *   1. GetDeployment throughput through the real SDK v3 client (16 and 1 in flight), 5 runs of 3 s each, median.
 *   2. A full happy-path lifecycle at --time-scale 600 (CreateDeployment -> Ready -> ContinueDeployment ->
 *      traffic shift -> the full 10-minute termination wait -> Succeeded), polling GetDeployment every 50 ms:
 *      wall time and the sandbox process's CPU, 5 runs, median.
 *   3. slow-green: green's latency as an open-loop probe (200/s, 6 s, from the intended send time) and as a
 *      closed loop (10 workers) see it, next to blue measured the same way in the same run.
 *
 * The sandbox runs as `greenlight sandbox` in a child process, so its CPU is its own.
 * Run: npx tsx bench/sandbox.ts   (about 90 s)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  GetDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { runProbe } from '../src/main/core/checks/probe';

process.env['GREENLIGHT_LOG'] ??= 'silent';
process.removeAllListeners('warning');

const BIN = fileURLToPath(new URL('../bin/greenlight.mjs', import.meta.url));
const CLK_TCK = 100;
const credentials = { accessKeyId: 'AKIASANDBOXEXAMPLE01', secretAccessKey: 'sandbox' };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Running = {
  child: ChildProcess;
  endpoint: string;
  productionUrl: string;
  validationUrl: string;
};

async function startChild(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'sandbox', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (!out.includes('Ctrl-C')) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`sandbox did not start: ${out}`);
    await sleep(50);
  }
  const url = (label: string): string => new RegExp(`${label}\\s+(http://\\S+)`).exec(out)![1]!;
  return {
    child,
    endpoint: out.split('\n')[0]!,
    productionUrl: url('production'),
    validationUrl: url('validation'),
  };
}

async function stopChild(r: Running): Promise<void> {
  const exited = new Promise((resolve) => r.child.on('exit', resolve));
  r.child.kill('SIGTERM');
  await exited;
}

/** utime + stime of a process, in ms (Linux /proc). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

async function registerAndCreate(cd: CodeDeployClient, ecs: ECSClient): Promise<string> {
  const d = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: 'fixnado-sandbox-app', include: ['TAGS'] }),
  );
  const td = d.taskDefinition!;
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: td.family!,
      taskRoleArn: td.taskRoleArn,
      executionRoleArn: td.executionRoleArn,
      networkMode: td.networkMode,
      requiresCompatibilities: td.requiresCompatibilities,
      cpu: td.cpu,
      memory: td.memory,
      containerDefinitions: td.containerDefinitions!.map((c) => ({
        ...c,
        image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/fixnado/backend:1.5.1',
      })),
      tags: d.tags,
    }),
  );
  const content = JSON.stringify({
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: registered.taskDefinition!.taskDefinitionArn,
            LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8080 },
          },
        },
      },
    ],
  });
  const out = await cd.send(
    new CreateDeploymentCommand({
      applicationName: 'fixnado-sandbox-ecs',
      deploymentGroupName: 'fixnado-sandbox-ecs',
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: { content, sha256: createHash('sha256').update(content).digest('hex') },
      },
    }),
  );
  return out.deploymentId!;
}

async function throughput(cd: CodeDeployClient, id: string, inFlight: number, seconds: number) {
  let count = 0;
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await cd.send(new GetDeploymentCommand({ deploymentId: id }));
        latencies.push(performance.now() - t);
        count++;
      }
    }),
  );
  return { rps: count / seconds, p50: percentile(latencies, 50) };
}

/** Closed loop: `workers` each send the next request when the previous answered. */
async function closedLoop(url: string, workers: number, seconds: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: workers });
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const get = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end();
    });
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await get();
        latencies.push(performance.now() - t);
      }
    }),
  );
  agent.destroy();
  return { n: latencies.length, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

const f = (n: number, digits = 0): string => n.toFixed(digits);

async function main(): Promise<void> {
  const { loadavg } = await import('node:os');
  console.log(
    `load average at start: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (2 shared cores; figures are noisy)`,
  );
  // 1 + 2: one sandbox at time scale 600.
  const s = await startChild(['--time-scale', '600']);
  const cd = new CodeDeployClient({ endpoint: s.endpoint, region: 'us-east-1', credentials });
  const ecs = new ECSClient({ endpoint: s.endpoint, region: 'us-east-1', credentials });
  const pid = s.child.pid!;

  const id = 'd-7QJ3N9XV2'; // the fixture's last successful deployment
  await throughput(cd, id, 16, 3); // warm-up: JIT on both sides
  const runs16: number[] = [];
  const p50s16: number[] = [];
  const cpuPerReq: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c0 = cpuMs(pid);
    const r = await throughput(cd, id, 16, 3);
    cpuPerReq.push((cpuMs(pid) - c0) / (r.rps * 3));
    runs16.push(r.rps);
    p50s16.push(r.p50);
  }
  const runs1: number[] = [];
  const p50s1: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await throughput(cd, id, 1, 2);
    runs1.push(r.rps);
    p50s1.push(r.p50);
  }
  console.log('GetDeployment through the SDK v3 client (sandbox in its own process)');
  console.log(
    `  16 in flight: ${f(median(runs16))} req/s median of 5 x 3 s  [${runs16.map((x) => f(x)).join(', ')}], p50 ${f(median(p50s16), 2)} ms, sandbox CPU ${f(median(cpuPerReq) * 1000)} us/request`,
  );
  console.log(
    `   1 in flight: ${f(median(runs1))} req/s median of 3 x 2 s, p50 ${f(median(p50s1), 2)} ms`,
  );

  const walls: number[] = [];
  const cpus: number[] = [];
  const polls: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c0 = cpuMs(pid);
    const t0 = performance.now();
    const dep = await registerAndCreate(cd, ecs);
    let n = 0;
    for (;;) {
      const info = (await cd.send(new GetDeploymentCommand({ deploymentId: dep }))).deploymentInfo!;
      n++;
      if (info.status === 'Ready') {
        await cd.send(
          new ContinueDeploymentCommand({ deploymentId: dep, deploymentWaitType: 'READY_WAIT' }),
        );
      }
      if (info.status === 'Succeeded') break;
      if (info.status === 'Failed' || info.status === 'Stopped')
        throw new Error(`lifecycle ended ${info.status}`);
      await sleep(50);
    }
    walls.push(performance.now() - t0);
    cpus.push(cpuMs(pid) - c0);
    polls.push(n);
  }
  console.log(
    'Happy-path lifecycle at --time-scale 600 (create -> Ready -> continue -> 10 min termination wait -> Succeeded)',
  );
  console.log(
    `  wall ${f(median(walls))} ms median of 5 [${walls.map((x) => f(x)).join(', ')}], sandbox CPU ${f(median(cpus))} ms, ${median(polls)} GetDeployment polls at 50 ms`,
  );
  console.log(
    `  (sandbox time covered: ~92 s to Ready + 18 s shift + 600 s termination wait = ~710 s -> ${f(710_000 / 600)} ms at 600x)`,
  );
  await stopChild(s);

  // 3: slow-green, time scale 1 (a real 20-minute window); the control endpoint jumps to Ready.
  const slow = await startChild(['--time-scale', '1', '--scenario', 'slow-green']);
  const cd2 = new CodeDeployClient({ endpoint: slow.endpoint, region: 'us-east-1', credentials });
  const ecs2 = new ECSClient({ endpoint: slow.endpoint, region: 'us-east-1', credentials });
  const dep = await registerAndCreate(cd2, ecs2);
  await fetch(`${slow.endpoint}/_sandbox`, {
    method: 'POST',
    body: JSON.stringify({ advanceMs: 100_000 }),
  });
  const status = (await cd2.send(new GetDeploymentCommand({ deploymentId: dep }))).deploymentInfo!
    .status;
  if (status !== 'Ready') throw new Error(`expected Ready, got ${status}`);
  console.log(
    'slow-green: green (validation) vs blue (production), same run; open loop 200/s x 6 s, closed loop 10 workers x 6 s',
  );
  for (const [label, base] of [
    ['blue ', slow.productionUrl],
    ['green', slow.validationUrl],
  ] as const) {
    const open = await runProbe({
      url: `${base}/api/v1/services`,
      ratePerSec: 200,
      durationSec: 6,
    });
    const closed = await closedLoop(`${base}/api/v1/services`, 10, 6);
    console.log(
      `  ${label} open loop: p50 ${f(open.latency.p50Ms, 1)} ms, p95 ${f(open.latency.p95Ms, 1)} ms (${open.samples} samples)` +
        ` | closed loop: p50 ${f(closed.p50, 1)} ms, p95 ${f(closed.p95, 1)} ms (${closed.n} samples)`,
    );
  }
  await stopChild(slow);
}

await main();
