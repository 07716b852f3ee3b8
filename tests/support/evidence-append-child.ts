// A Greenlight stand-in for crash tests: opens the evidence store of a data directory and appends in a loop,
// printing one line per acknowledged write (after the call returned, i.e. after the commit) so the parent can
// kill -9 it at any moment and check that every acknowledged entry survived.
//   node --import tsx tests/support/evidence-append-child.ts <dataDir> <loop|hang-after-intent|hold>
import { openEvidenceStore } from '../../src/main/core/evidence/store';

const [dataDir, mode = 'loop'] = process.argv.slice(2);
if (dataDir === undefined) throw new Error('usage: evidence-append-child <dataDir> [mode]');
const say = (line: string): void => {
  process.stdout.write(line + '\n');
};

const { store } = await openEvidenceStore({ dataDir, secretValues: ['child-canary-secret'] });
const runId = 'crash-run';
try {
  store.getRun(runId);
} catch {
  store.createRun({
    runId,
    environment: 'staging',
    version: '1.0.0',
    runbook: { id: 'crash', hash: 'sha256:0' },
    operator: { name: 'child' },
  });
}
say(`ready ${process.pid}`);

if (mode === 'hold') {
  setInterval(() => undefined, 60_000);
} else if (mode === 'hang-after-intent') {
  for (let i = 0; i < 3; i += 1) {
    const entry = store.recordObservation(runId, { subject: 'before hang', data: { i } });
    say(`ack entry ${entry.seq} ${entry.hash}`);
  }
  const { intentId, entry } = store.recordIntent(runId, {
    stepId: 'deploy',
    action: 'codedeploy:CreateDeployment',
    request: { i: -1 },
  });
  say(`ack intent ${entry.seq} ${entry.hash} ${intentId}`);
  setInterval(() => undefined, 60_000);
} else {
  for (let i = 0; ; i += 1) {
    if (i % 4 === 0) {
      const { intentId, entry } = store.recordIntent(runId, {
        stepId: 'deploy',
        action: 'ecs:RegisterTaskDefinition',
        request: { i },
      });
      say(`ack intent ${entry.seq} ${entry.hash} ${intentId}`);
      // The "AWS call" in between, where a crash leaves the intent pending.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      const outcome = store.recordOutcome(intentId, {
        status: 'succeeded',
        response: { revision: i },
      });
      say(`ack outcome ${outcome.seq} ${outcome.hash} ${intentId}`);
    } else if (i % 10 === 5) {
      const artifact = await store.addArtifact(runId, {
        name: `probe-${i}.json`,
        source: { buffer: JSON.stringify({ i, p95: 120 + (i % 7) }) },
      });
      say(`ack artifact ${artifact.entry.seq} ${artifact.entry.hash} ${artifact.sha256}`);
    } else {
      const entry = store.recordObservation(runId, {
        subject: 'deployment status',
        data: { i, status: 'InProgress', pad: 'x'.repeat(i % 500) },
      });
      say(`ack entry ${entry.seq} ${entry.hash}`);
    }
  }
}
