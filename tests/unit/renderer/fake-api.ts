import type { EventPayload, RequestInput, RequestOutput } from '../../../src/shared/contract';
import type { EventName, RequestName } from '../../../src/shared/contract-names';
import type { RunView, StepView } from '../../../src/shared/domain/run';
import { ApiError, type Api, type ConnectionState } from '../../../src/renderer/src/lib/api';

type Handler<K extends RequestName> = (
  input: RequestInput<K>,
) => RequestOutput<K> | Promise<RequestOutput<K>>;
export type FakeHandlers = { [K in RequestName]?: Handler<K> };

/**
 * A fake contract client (mocked transport): answers from the given handlers, records every call, and lets a test
 * push events and connection changes as main would.
 */
export function fakeApi(handlers: FakeHandlers) {
  const calls: { name: RequestName; input: unknown }[] = [];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let connectionListener: ((state: ConnectionState) => void) | undefined;
  const api: Api = {
    invoke: (async (name: RequestName, input: unknown) => {
      calls.push({ name, input });
      const handler = handlers[name] as ((input: unknown) => unknown) | undefined;
      if (handler === undefined)
        throw new ApiError({ code: 'not-available', message: `${name} is not faked` });
      return handler(input);
    }) as Api['invoke'],
    on: (name, listener) => {
      const set = listeners.get(name) ?? new Set();
      set.add(listener as (payload: unknown) => void);
      listeners.set(name, set);
      return () => set.delete(listener as (payload: unknown) => void);
    },
    onConnection: (listener) => {
      connectionListener = listener;
      listener('connecting');
      return () => {};
    },
  };
  return {
    api,
    calls,
    callsOf: (name: RequestName) =>
      calls.filter((call) => call.name === name).map((call) => call.input),
    connect: (state: ConnectionState = 'connected') => connectionListener?.(state),
    emit: <K extends EventName>(name: K, payload: EventPayload<K>) => {
      for (const listener of listeners.get(name) ?? []) listener(payload);
    },
  };
}

/** Lets pending promise callbacks run (the store's actions chain a few awaits). */
export const settle = async (rounds = 5) => {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setTimeout(resolve, 0));
};

export function step(overrides: Partial<StepView> & Pick<StepView, 'id'>): StepView {
  return {
    sectionId: 'pre',
    title: overrides.id,
    kind: 'check',
    state: 'pending',
    guidance: '',
    output: [],
    evidence: [],
    canRun: false,
    canOverride: false,
    canAttest: false,
    ...overrides,
  };
}

/** A run in its Ready wait with smoke failed: Approve blocked, rollback possible. */
export function runView(overrides: Partial<RunView> = {}): RunView {
  return {
    id: 'run-1',
    environment: 'sandbox',
    version: '1.5.1',
    runbookId: 'blue-green',
    runbookHash: 'abc',
    operator: 'arn:aws:sts::111122223333:assumed-role/ReleaseEngineer/ana',
    startedAt: '2025-01-01T10:00:00.000Z',
    headline: 'Deployment Ready: validate green, then approve',
    sections: [
      {
        id: 'pre',
        title: 'Pre-deployment checks',
        steps: [
          step({
            id: 'image',
            title: 'Image in ECR',
            state: 'passed',
            summary: 'image 1.5.1 found: sha256:ab12…',
          }),
          step({
            id: 'cab',
            title: 'CAB approver present',
            kind: 'attestation',
            state: 'attested',
          }),
        ],
      },
      {
        id: 'validate',
        title: 'Validation on green',
        steps: [
          step({
            id: 'smoke',
            title: 'Smoke tests on green',
            kind: 'gate',
            state: 'failed',
            canRun: true,
            canOverride: true,
            command: 'newman run backend-smoke.json --env-var baseUrl=http://127.0.0.1:9443',
            output: ['→ GET /api/v1/bookings', '  500 Internal Server Error'],
            evidence: [
              {
                label: 'JUnit report',
                seq: 12,
                artifactSha256: 'a'.repeat(64),
                artifactName: 'smoke-tests.xml',
              },
            ],
          }),
          step({
            id: 'probe',
            title: 'Load probe',
            kind: 'gate',
            state: 'pending',
            blockedReason: 'waits for: Smoke tests on green',
          }),
        ],
      },
    ],
    nextStepId: 'smoke',
    deployment: {
      deploymentId: 'd-ABCDEF123',
      status: 'Ready',
      lifecycleEvents: [
        {
          name: 'BeforeInstall',
          status: 'Succeeded',
          startTime: '2025-01-01T10:01:00.000Z',
          endTime: '2025-01-01T10:01:02.000Z',
        },
        { name: 'AllowTraffic', status: 'Pending' },
      ],
      taskSets: [
        { label: 'Blue', trafficWeight: 100, status: 'PRIMARY', desiredCount: 2, runningCount: 2 },
        { label: 'Green', trafficWeight: 0, status: 'ACTIVE', desiredCount: 2, runningCount: 2 },
      ],
      readyWait: { action: 'STOP_DEPLOYMENT', minutes: 20, deadline: '2025-01-01T10:22:00.000Z' },
      terminationWait: { action: 'TERMINATE', minutes: 10 },
      canApprove: false,
      approveBlockedReason: 'Smoke tests on green failed: override it with a reason or roll back',
      canRollback: true,
      canTerminateBlue: false,
      isActive: true,
    },
    smoke: {
      passed: false,
      total: 3,
      failed: 1,
      requests: [
        {
          name: 'Health',
          method: 'GET',
          url: 'http://127.0.0.1:9443/health',
          status: 200,
          timeMs: 12,
          failedAssertions: [],
        },
        {
          name: 'List bookings',
          method: 'GET',
          url: 'http://127.0.0.1:9443/api/v1/bookings',
          status: 500,
          timeMs: 30,
          failedAssertions: [{ name: 'status is 200', message: 'expected 500 to equal 200' }],
        },
        {
          name: 'Info',
          method: 'GET',
          url: 'http://127.0.0.1:9443/health/info',
          status: 200,
          timeMs: 9,
          failedAssertions: [],
        },
      ],
    },
    chain: { ok: true, entries: 42, head: 'f'.repeat(64) },
    isRehearsal: true,
    ...overrides,
  };
}
