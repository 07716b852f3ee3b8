import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/renderer/src/lib/api';
import {
  createAppStore,
  selectEnvironments,
  selectExportProgress,
  selectSelectedStep,
  selectSmokeRowsFailuresFirst,
  selectSteps,
  selectUnfinishedRuns,
} from '../../../src/renderer/src/store';
import type { AppInfo } from '../../../src/shared/contract';
import type { JournalEntryView } from '../../../src/shared/domain/run';
import { fakeApi, runView, settle } from './fake-api';

const info: AppInfo = {
  product: 'Greenlight',
  version: '1.0.0',
  hostKind: 'browser',
  environments: [
    { name: 'staging', target: 'aws', region: 'eu-west-1' },
    { name: 'sandbox', target: 'sandbox', region: 'us-east-1' },
  ],
  configProblems: [],
};

const entry = (seq: number): JournalEntryView => ({
  seq,
  time: '2025-01-01T10:00:00.000Z',
  kind: 'step.started',
  actor: 'ana',
  summary: `entry ${seq}`,
  payload: {},
  hash: `h${seq}`,
  prevHash: `h${seq - 1}`,
  artifactSha256s: [],
});

describe('the store (mocked transport)', () => {
  it('loads app info once connected, becomes ready and picks the sandbox first', async () => {
    const fake = fakeApi({ 'app.info': () => info });
    const store = createAppStore(fake.api);
    expect(store.getState()).toMatchObject({ connection: 'connecting', isReady: false });
    fake.connect();
    await settle();
    expect(store.getState()).toMatchObject({
      connection: 'connected',
      isReady: true,
      selectedEnvironment: 'sandbox',
    });
    expect(selectEnvironments(store.getState()).map((env) => env.name)).toEqual([
      'sandbox',
      'staging',
    ]);
  });

  it("shows a failed AWS call with our message, AWS's words verbatim, the explanation and the sign-in command", async () => {
    const fake = fakeApi({
      'app.info': () => info,
      'env.status': () => {
        throw new ApiError({
          code: 'sso-expired',
          message: 'Your SSO session for profile fixnado-staging has expired.',
          detail: {
            awsCode: 'ExpiredTokenException',
            awsMessage: 'The security token included in the request is expired',
            explanation: 'Sign in again; Greenlight never stores your credentials.',
            requestId: 'req-123',
            retryable: false,
            sso: {
              kind: 'sso-expired',
              profile: 'fixnado-staging',
              loginCommand: 'aws sso login --profile fixnado-staging',
            },
          },
        });
      },
    });
    const store = createAppStore(fake.api);
    fake.connect();
    await settle();
    await store.getState().actions.loadEnvironmentStatus('staging');
    const [shown] = store.getState().errors;
    expect(shown).toMatchObject({
      request: 'env.status',
      code: 'sso-expired',
      awsCode: 'ExpiredTokenException',
      awsMessage: 'The security token included in the request is expired',
      explanation: 'Sign in again; Greenlight never stores your credentials.',
      loginCommand: 'aws sso login --profile fixnado-staging',
      requestId: 'req-123',
      isRetryable: false,
    });
    store.getState().actions.dismissError(shown!.id);
    expect(store.getState().errors).toEqual([]);
  });

  it('starts a run, shows its next step, and pages the journal in with afterSeq', async () => {
    const journal = Array.from({ length: 4500 }, (_, i) => entry(i + 1));
    const fake = fakeApi({
      'app.info': () => info,
      'run.start': () => runView(),
      'journal.list': (input) => {
        const from = input.afterSeq ?? 0;
        return {
          entries: journal.filter((e) => e.seq > from).slice(0, input.limit ?? 10000),
          total: journal.length,
        };
      },
    });
    const store = createAppStore(fake.api);
    fake.connect();
    await settle();
    await expect(store.getState().actions.startRun('sandbox', '1.5.1')).resolves.toBe(true);
    expect(fake.callsOf('journal.list')).toEqual([]); // read when the evidence is shown, not on open
    await store.getState().actions.loadJournal();
    expect(fake.callsOf('run.start')).toEqual([{ environment: 'sandbox', version: '1.5.1' }]);
    expect(selectSelectedStep(store.getState())?.id).toBe('smoke');
    expect(selectSteps(store.getState()).map((s) => s.id)).toEqual([
      'image',
      'cab',
      'smoke',
      'probe',
    ]);
    expect(fake.callsOf('journal.list')).toEqual([
      { runId: 'run-1', limit: 2000 },
      { runId: 'run-1', afterSeq: 2000, limit: 2000 },
      { runId: 'run-1', afterSeq: 4000, limit: 2000 },
    ]);
    expect(store.getState().journal).toMatchObject({ total: 4500, isLoading: false });
    expect(store.getState().journal?.entries.length).toBe(4500);
  });

  it('mirrors run.updated for the run on screen only, and appends journal entries once', async () => {
    const fake = fakeApi({
      'app.info': () => info,
      'run.get': () => runView(),
      'journal.list': () => ({ entries: [entry(1), entry(2)], total: 2 }),
    });
    const store = createAppStore(fake.api);
    fake.connect();
    await store.getState().actions.openRun('run-1');
    await store.getState().actions.loadJournal();
    fake.emit('run.updated', runView({ id: 'run-other', headline: 'someone else' }));
    expect(store.getState().run?.headline).toBe('Deployment Ready: validate green, then approve');
    fake.emit('run.updated', runView({ headline: 'Traffic shifting to green' }));
    expect(store.getState().run?.headline).toBe('Traffic shifting to green');
    fake.emit('journal.appended', { runId: 'run-1', entries: [entry(2), entry(3)] });
    fake.emit('journal.appended', { runId: 'run-other', entries: [entry(9)] });
    expect(store.getState().journal?.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(store.getState().journal?.total).toBe(3);
  });

  it('sends Approve, Roll back and overrides with the run and the reason, and keeps main’s answer', async () => {
    const fake = fakeApi({
      'app.info': () => info,
      'run.get': () => runView(),
      'journal.list': () => ({ entries: [], total: 0 }),
      'run.override': () => runView({ headline: 'smoke overridden' }),
      'run.rollback': () => runView({ headline: 'rolling back' }),
      'run.approve': () => {
        throw new ApiError({
          code: 'aws-error',
          message: 'ContinueDeployment was refused.',
          detail: {
            awsCode: 'DeploymentIsNotInReadyStateException',
            awsMessage: 'Deployment d-ABCDEF123 is not in Ready state',
            retryable: false,
          },
        });
      },
    });
    const store = createAppStore(fake.api);
    fake.connect();
    await store.getState().actions.openRun('run-1');
    const { actions } = store.getState();
    await expect(
      actions.overrideStep('smoke', 'CAB accepted the known 500 on bookings'),
    ).resolves.toBe(true);
    expect(fake.callsOf('run.override')).toEqual([
      { runId: 'run-1', stepId: 'smoke', reason: 'CAB accepted the known 500 on bookings' },
    ]);
    expect(store.getState().run?.headline).toBe('smoke overridden');
    await expect(actions.approve()).resolves.toBe(false);
    expect(store.getState().errors[0]).toMatchObject({
      request: 'run.approve',
      awsCode: 'DeploymentIsNotInReadyStateException',
    });
    expect(store.getState().busy.approve).toBe(false);
    await expect(actions.rollback('bookings answer 500 on green')).resolves.toBe(true);
    expect(fake.callsOf('run.rollback')).toEqual([
      { runId: 'run-1', reason: 'bookings answer 500 on green' },
    ]);
    expect(store.getState().run?.headline).toBe('rolling back');
  });

  it('refuses a double click: a request in flight is not sent twice', async () => {
    let release: () => void = () => {};
    const fake = fakeApi({
      'app.info': () => info,
      'run.get': () => runView(),
      'journal.list': () => ({ entries: [], total: 0 }),
      'run.step': () => new Promise((resolve) => (release = () => resolve(runView()))),
    });
    const store = createAppStore(fake.api);
    fake.connect();
    await store.getState().actions.openRun('run-1');
    const first = store.getState().actions.runStep('smoke');
    const second = store.getState().actions.runStep('smoke');
    expect(store.getState().busy['step:smoke']).toBe(true);
    release();
    await Promise.all([first, second]);
    expect(fake.callsOf('run.step')).toHaveLength(1);
    expect(store.getState().busy['step:smoke']).toBe(false);
  });

  it('shows export progress from app.progress, then the folder, then the verification', async () => {
    let finishExport: () => void = () => {};
    const fake = fakeApi({
      'app.info': () => info,
      'run.get': () => runView(),
      'journal.list': () => ({ entries: [], total: 0 }),
      'vault.export': () =>
        new Promise(
          (resolve) =>
            (finishExport = () =>
              resolve({ path: '/vault/sandbox/1.5.1', files: 9, bytes: 20480 })),
        ),
      'vault.verify': () => ({
        ok: true,
        summary: '9 files and 42 journal entries match',
        problems: [],
      }),
    });
    const store = createAppStore(fake.api);
    fake.connect();
    await store.getState().actions.openRun('run-1');
    const exporting = store.getState().actions.exportBundle(false);
    fake.emit('app.progress', { task: 'vault.export', done: 3, total: 9, label: 'artifacts' });
    expect(selectExportProgress(store.getState())).toEqual({
      task: 'vault.export',
      done: 3,
      total: 9,
      label: 'artifacts',
    });
    finishExport();
    await exporting;
    expect(store.getState().exportResult?.path).toBe('/vault/sandbox/1.5.1');
    await store.getState().actions.verifyBundle('/vault/sandbox/1.5.1');
    expect(store.getState().verification).toMatchObject({ ok: true, path: '/vault/sandbox/1.5.1' });
  });

  it('reads the open run again after a reconnect (main may have moved on while the socket was down)', async () => {
    let headline = 'before';
    const fake = fakeApi({
      'app.info': () => info,
      'run.get': () => runView({ headline }),
      'journal.list': () => ({ entries: [], total: 0 }),
    });
    const store = createAppStore(fake.api);
    fake.connect();
    await store.getState().actions.openRun('run-1');
    headline = 'after';
    fake.connect('reconnecting');
    fake.connect('connected');
    await settle();
    expect(store.getState().run?.headline).toBe('after');
    expect(store.getState().connection).toBe('connected');
  });

  it('takes over the answers main.tsx asked for before the store existed, each once', async () => {
    const fake = fakeApi({
      'app.info': () => info,
      'run.get': () => runView({ headline: 'asked again' }),
    });
    const store = createAppStore(fake.api, {
      info: Promise.resolve(info),
      run: { runId: 'run-1', view: Promise.resolve(runView({ headline: 'asked early' })) },
    });
    fake.connect();
    await settle();
    await store.getState().actions.openRun('run-1');
    expect(fake.callsOf('app.info')).toEqual([]);
    expect(fake.callsOf('run.get')).toEqual([]);
    expect(store.getState()).toMatchObject({
      isReady: true,
      runId: 'run-1',
      run: { headline: 'asked early' },
    });
    await store.getState().actions.openRun('run-1');
    expect(fake.callsOf('run.get')).toEqual([{ runId: 'run-1' }]);
    expect(store.getState().run?.headline).toBe('asked again');
  });

  it('orders smoke failures first and offers only unfinished runs for resume', async () => {
    const fake = fakeApi({
      'app.info': () => info,
      'run.get': () => runView(),
      'journal.list': () => ({ entries: [], total: 0 }),
      'run.list': () => [
        {
          id: 'a',
          environment: 'sandbox',
          version: '1.5.1',
          startedAt: '2025-01-01T10:00:00Z',
          headline: 'Ready',
        },
        {
          id: 'b',
          environment: 'sandbox',
          version: '1.5.0',
          startedAt: '2024-12-01T10:00:00Z',
          endedAt: '2024-12-01T11:00:00Z',
          outcome: 'released',
          headline: 'Released',
        },
      ],
    });
    const store = createAppStore(fake.api);
    fake.connect();
    await store.getState().actions.loadRuns();
    expect(selectUnfinishedRuns(store.getState()).map((run) => run.id)).toEqual(['a']);
    await store.getState().actions.openRun('run-1');
    expect(selectSmokeRowsFailuresFirst(store.getState()).map((row) => row.name)).toEqual([
      'List bookings',
      'Health',
      'Info',
    ]);
  });
});
