import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AppInfo, EventPayload, RequestOutput } from '../../../shared/contract';
import type {
  BundleVerification,
  EnvironmentStatus,
  JournalEntryView,
  Notice,
  RunSummary,
  RunView,
} from '../../../shared/domain/run';
import { ApiError, type Api, type ConnectionState } from '../lib/api';

/**
 * The one store of the renderer. It mirrors main — what main said, pushed or answered — and decides nothing:
 * prerequisites, gate maths, "what's next" and whether Approve is allowed all arrive in the RunView. It is built
 * from the API it talks to, so a test can hand it a fake one.
 */

/** A failed request as the error surface shows it: our words, AWS's words verbatim, and what to do next. */
export type ShownError = {
  id: number;
  request: string;
  code: string;
  message: string;
  /** AWS's error name and message, verbatim, when the failure came from an AWS call. */
  awsCode?: string;
  awsMessage?: string;
  /** Main's explanation for a release engineer. */
  explanation?: string;
  /** The exact command that fixes an SSO problem. */
  loginCommand?: string;
  requestId?: string;
  isRetryable?: boolean;
  /** Field-level problems of an invalid input. */
  problems?: string[];
};

export type RunTab = 'step' | 'deployment' | 'gates' | 'evidence' | 'communication';

export type ProgressView = EventPayload<'app.progress'>;

export type ExportResult = RequestOutput<'vault.export'>;
export type ArtifactView = RequestOutput<'artifact.get'>;

export type JournalState = {
  runId: string;
  entries: JournalEntryView[];
  total: number;
  isLoading: boolean;
};

/** Requests in flight, so buttons can show they are working and refuse a double click. */
export type BusyKey =
  | 'start'
  | 'login'
  | 'approve'
  | 'rollback'
  | 'terminate'
  | 'export'
  | 'verify'
  | 'notice'
  | 'send'
  | 'attest'
  | 'override'
  | `step:${string}`;

export type AppState = {
  connection: ConnectionState;
  info: AppInfo | undefined;
  /** Ready once the first app.info has answered: e2e tests wait on this (data-app-state). */
  isReady: boolean;
  errors: ShownError[];
  busy: Partial<Record<BusyKey, boolean>>;

  selectedEnvironment: string | undefined;
  environmentStatus: Record<string, EnvironmentStatus>;
  loginMessage: string | undefined;
  runs: RunSummary[] | undefined;

  /** The run on screen; undefined on the start screen. */
  runId: string | undefined;
  run: RunView | undefined;
  selectedStepId: string | undefined;
  tab: RunTab;
  journal: JournalState | undefined;
  progress: Record<string, ProgressView>;
  exportResult: ExportResult | undefined;
  verification: (BundleVerification & { path: string }) | undefined;
  notice: Notice | undefined;
  sendResult: { sent: boolean; message: string } | undefined;
  artifact: ArtifactView | undefined;

  actions: {
    loadInfo: () => Promise<void>;
    selectEnvironment: (name: string) => void;
    loadEnvironmentStatus: (name: string) => Promise<void>;
    login: (environment: string) => Promise<void>;
    loadRuns: () => Promise<void>;
    startRun: (environment: string, version: string) => Promise<boolean>;
    openRun: (runId: string) => Promise<boolean>;
    leaveRun: () => void;
    selectStep: (stepId: string) => void;
    setTab: (tab: RunTab) => void;
    runStep: (stepId: string) => Promise<void>;
    cancelStep: (stepId: string) => Promise<void>;
    overrideStep: (stepId: string, reason: string) => Promise<boolean>;
    attest: (
      stepId: string,
      fields: {
        note?: string;
        link?: string;
        attachment?: { name: string; mediaType?: string; contentBase64: string };
      },
    ) => Promise<boolean>;
    approve: (overrideReason?: string) => Promise<boolean>;
    rollback: (reason: string) => Promise<boolean>;
    terminateBlue: () => Promise<boolean>;
    /** Reads the open run's journal (on first showing the evidence; later entries arrive as journal.appended). */
    loadJournal: () => Promise<void>;
    openArtifact: (sha256: string) => Promise<void>;
    closeArtifact: () => void;
    exportBundle: (zip: boolean) => Promise<void>;
    verifyBundle: (path: string) => Promise<void>;
    loadNotice: () => Promise<void>;
    sendSlack: () => Promise<void>;
    dismissError: (id: number) => void;
  };
};

export type AppStore = StoreApi<AppState>;

/** Requests main.tsx sent before the store existed; the store takes their answers over, each once. */
export type EarlyAnswers = {
  info?: Promise<AppInfo>;
  run?: { runId: string; view: Promise<RunView> };
};

/** journal.list answers at most this many entries at a time (the contract's limit is 10,000). */
const JOURNAL_PAGE = 2000;

function readString(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Turns a failed request into what the error surface shows, reading AWS's details when main sent them. */
export function toShownError(id: number, request: string, error: unknown): ShownError {
  if (!(error instanceof ApiError)) {
    return {
      id,
      request,
      code: 'internal',
      message: error instanceof Error ? error.message : String(error),
    };
  }
  const shown: ShownError = { id, request, code: error.code, message: error.message };
  const detail = error.detail;
  if (typeof detail === 'object' && detail !== null) {
    const record = detail as Record<string, unknown>;
    const awsCode = readString(record, 'awsCode');
    const awsMessage = readString(record, 'awsMessage');
    const explanation = readString(record, 'explanation');
    const requestId = readString(record, 'requestId');
    if (awsCode !== undefined) shown.awsCode = awsCode;
    if (awsMessage !== undefined) shown.awsMessage = awsMessage;
    if (explanation !== undefined) shown.explanation = explanation;
    if (requestId !== undefined) shown.requestId = requestId;
    if (typeof record['retryable'] === 'boolean') shown.isRetryable = record['retryable'];
    const sso = record['sso'];
    if (typeof sso === 'object' && sso !== null) {
      const loginCommand = readString(sso as Record<string, unknown>, 'loginCommand');
      if (loginCommand !== undefined) shown.loginCommand = loginCommand;
    }
    const problems = record['problems'];
    if (Array.isArray(problems))
      shown.problems = problems.filter((p): p is string => typeof p === 'string');
  }
  return shown;
}

export function createAppStore(api: Api, early: EarlyAnswers = {}): AppStore {
  let nextErrorId = 1;
  let earlyInfo = early.info;
  let earlyRun = early.run;
  const store = createStore<AppState>()((set, get) => {
    /** Runs a request; a failure lands in the error surface instead of being thrown. */
    const attempt = async <T>(request: string, work: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await work();
      } catch (error) {
        set({ errors: [...get().errors, toShownError(nextErrorId++, request, error)] });
        return undefined;
      }
    };

    /** Like attempt, marking `key` busy while it runs and refusing to start it twice. */
    const busyWhile = async <T>(
      key: BusyKey,
      request: string,
      work: () => Promise<T>,
    ): Promise<T | undefined> => {
      if (get().busy[key] === true) return undefined;
      set({ busy: { ...get().busy, [key]: true } });
      try {
        return await attempt(request, work);
      } finally {
        set({ busy: { ...get().busy, [key]: false } });
      }
    };

    /** Takes a snapshot main answered or pushed, when it is the run on screen. */
    const acceptRun = (run: RunView | undefined): boolean => {
      if (run === undefined) return false;
      if (run.id === get().runId) set({ run });
      return true;
    };

    const requireRunId = (): string => {
      const runId = get().runId;
      if (runId === undefined) throw new Error('no run is open');
      return runId;
    };

    return {
      connection: 'connecting',
      info: undefined,
      isReady: false,
      errors: [],
      busy: {},
      selectedEnvironment: undefined,
      environmentStatus: {},
      loginMessage: undefined,
      runs: undefined,
      runId: undefined,
      run: undefined,
      selectedStepId: undefined,
      tab: 'step',
      journal: undefined,
      progress: {},
      exportResult: undefined,
      verification: undefined,
      notice: undefined,
      sendResult: undefined,
      artifact: undefined,
      actions: {
        async loadInfo() {
          const pending = earlyInfo;
          earlyInfo = undefined;
          const info = await attempt('app.info', () => pending ?? api.invoke('app.info', {}));
          if (info === undefined) return;
          // The sandbox comes first: it is where a newcomer (and a rehearsal) starts.
          const first =
            info.environments.find((env) => env.target === 'sandbox')?.name ??
            info.environments[0]?.name;
          set({ info, isReady: true, selectedEnvironment: get().selectedEnvironment ?? first });
        },
        selectEnvironment(name) {
          set({ selectedEnvironment: name, loginMessage: undefined });
        },
        async loadEnvironmentStatus(name) {
          const status = await attempt('env.status', () =>
            api.invoke('env.status', { environment: name }),
          );
          if (status !== undefined)
            set({ environmentStatus: { ...get().environmentStatus, [name]: status } });
        },
        async login(environment) {
          const answer = await busyWhile('login', 'env.login', () =>
            api.invoke('env.login', { environment }),
          );
          if (answer !== undefined) set({ loginMessage: answer.message });
        },
        async loadRuns() {
          const runs = await attempt('run.list', () => api.invoke('run.list', {}));
          if (runs !== undefined) set({ runs });
        },
        async startRun(environment, version) {
          const run = await busyWhile('start', 'run.start', () =>
            api.invoke('run.start', { environment, version }),
          );
          if (run === undefined) return false;
          set(freshRun(run));
          return true;
        },
        async openRun(runId) {
          const pending = earlyRun?.runId === runId ? earlyRun.view : undefined;
          earlyRun = undefined;
          const run = await attempt('run.get', () => pending ?? api.invoke('run.get', { runId }));
          if (run === undefined) return false;
          if (run.id === get().runId) {
            // Re-read after a reconnect: keep what the operator was looking at, catch the journal up.
            set({ run });
            if (get().journal !== undefined) void get().actions.loadJournal();
            return true;
          }
          set(freshRun(run));
          return true;
        },
        leaveRun() {
          set({ ...freshRun(undefined), runs: undefined });
          void get().actions.loadRuns();
        },
        selectStep(stepId) {
          set({ selectedStepId: stepId, tab: 'step' });
        },
        setTab(tab) {
          set({ tab });
        },
        async runStep(stepId) {
          acceptRun(
            await busyWhile(`step:${stepId}`, 'run.step', () =>
              api.invoke('run.step', { runId: requireRunId(), stepId }),
            ),
          );
        },
        async cancelStep(stepId) {
          acceptRun(
            await attempt('run.cancel', () =>
              api.invoke('run.cancel', { runId: requireRunId(), stepId }),
            ),
          );
        },
        async overrideStep(stepId, reason) {
          return acceptRun(
            await busyWhile('override', 'run.override', () =>
              api.invoke('run.override', { runId: requireRunId(), stepId, reason }),
            ),
          );
        },
        async attest(stepId, fields) {
          return acceptRun(
            await busyWhile('attest', 'run.attest', () =>
              api.invoke('run.attest', { runId: requireRunId(), stepId, ...fields }),
            ),
          );
        },
        async approve(overrideReason) {
          return acceptRun(
            await busyWhile('approve', 'run.approve', () =>
              api.invoke(
                'run.approve',
                overrideReason === undefined
                  ? { runId: requireRunId() }
                  : { runId: requireRunId(), overrideReason },
              ),
            ),
          );
        },
        async rollback(reason) {
          return acceptRun(
            await busyWhile('rollback', 'run.rollback', () =>
              api.invoke('run.rollback', { runId: requireRunId(), reason }),
            ),
          );
        },
        async terminateBlue() {
          return acceptRun(
            await busyWhile('terminate', 'run.terminateBlue', () =>
              api.invoke('run.terminateBlue', { runId: requireRunId() }),
            ),
          );
        },
        async loadJournal() {
          const runId = get().runId;
          if (runId === undefined) return;
          // Catch up from what is held (after a reconnect), else from the start; page through it so a long journal
          // arrives in a few answers, not one huge message.
          const current = get().journal;
          const held = current?.runId === runId ? current.entries : [];
          if (current?.runId === runId && current.isLoading) return;
          set({ journal: { runId, entries: held, total: held.length, isLoading: true } });
          let afterSeq: number | undefined = held[held.length - 1]?.seq;
          for (;;) {
            const page = await attempt('journal.list', () =>
              api.invoke(
                'journal.list',
                afterSeq === undefined
                  ? { runId, limit: JOURNAL_PAGE }
                  : { runId, afterSeq, limit: JOURNAL_PAGE },
              ),
            );
            const current = get().journal;
            if (current === undefined || current.runId !== runId) return; // the operator moved on
            if (page === undefined) {
              set({ journal: { ...current, isLoading: false } });
              return;
            }
            const entries = mergeEntries(current.entries, page.entries);
            const isDone = page.entries.length < JOURNAL_PAGE || entries.length >= page.total;
            set({
              journal: {
                runId,
                entries,
                total: Math.max(page.total, entries.length),
                isLoading: !isDone,
              },
            });
            if (isDone) return;
            afterSeq = entries[entries.length - 1]?.seq;
          }
        },
        async openArtifact(sha256) {
          const artifact = await attempt('artifact.get', () =>
            api.invoke('artifact.get', { sha256 }),
          );
          if (artifact !== undefined) set({ artifact });
        },
        closeArtifact() {
          set({ artifact: undefined });
        },
        async exportBundle(zip) {
          set({ exportResult: undefined, verification: undefined });
          const result = await busyWhile('export', 'vault.export', () =>
            api.invoke(
              'vault.export',
              zip ? { runId: requireRunId(), zip } : { runId: requireRunId() },
            ),
          );
          if (result !== undefined) set({ exportResult: result });
        },
        async verifyBundle(path) {
          set({ verification: undefined });
          const result = await busyWhile('verify', 'vault.verify', () =>
            api.invoke('vault.verify', { path }),
          );
          if (result !== undefined) set({ verification: { ...result, path } });
        },
        async loadNotice() {
          const notice = await busyWhile('notice', 'notify.preview', () =>
            api.invoke('notify.preview', { runId: requireRunId() }),
          );
          if (notice !== undefined) set({ notice });
        },
        async sendSlack() {
          const result = await busyWhile('send', 'notify.send', () =>
            api.invoke('notify.send', { runId: requireRunId(), channel: 'slack' }),
          );
          if (result !== undefined) set({ sendResult: result });
        },
        dismissError(id) {
          set({ errors: get().errors.filter((error) => error.id !== id) });
        },
      },
    };
  });

  api.on('run.updated', (run) => {
    const state = store.getState();
    if (run.id === state.runId) {
      // Step progress belongs to running steps; once none runs, what is left of it is stale.
      const isAnyRunning = run.sections.some((section) =>
        section.steps.some((step) => step.state === 'running'),
      );
      store.setState(isAnyRunning || state.busy.export === true ? { run } : { run, progress: {} });
    }
    if (state.runs !== undefined && state.runs.some((summary) => summary.id === run.id)) {
      store.setState({
        runs: state.runs.map((summary) =>
          summary.id === run.id ? { ...summary, ...summaryOf(run) } : summary,
        ),
      });
    }
  });
  api.on('journal.appended', ({ runId, entries }) => {
    const journal = store.getState().journal;
    // While pages are still arriving, the last page will hold these entries; appending now would skip a gap.
    if (journal === undefined || journal.runId !== runId || journal.isLoading) return;
    const merged = mergeEntries(journal.entries, entries);
    store.setState({
      journal: {
        ...journal,
        entries: merged,
        total: journal.total + (merged.length - journal.entries.length),
      },
    });
  });
  api.on('app.progress', (progress) => {
    const { [progress.task]: _previous, ...others } = store.getState().progress;
    // A task at (or within rounding of) its total is finished: it leaves the progress strip.
    const isFinished = progress.total > 0 && progress.done >= progress.total * 0.999;
    store.setState({ progress: isFinished ? others : { ...others, [progress.task]: progress } });
  });
  api.onConnection((connection) => {
    store.setState({ connection });
    if (connection !== 'connected') return;
    // After a (re)connect main may have moved on: read its state again, including the run on screen.
    const { actions, runId } = store.getState();
    void actions.loadInfo();
    if (runId !== undefined) void actions.openRun(runId);
  });
  return store;
}

function freshRun(run: RunView | undefined) {
  return {
    runId: run?.id,
    run,
    selectedStepId: undefined,
    tab: 'step' as RunTab,
    journal: undefined,
    exportResult: undefined,
    verification: undefined,
    notice: undefined,
    sendResult: undefined,
    artifact: undefined,
  };
}

function summaryOf(run: RunView): Omit<RunSummary, 'id'> {
  const summary: Omit<RunSummary, 'id'> = {
    environment: run.environment,
    version: run.version,
    startedAt: run.startedAt,
    headline: run.headline,
  };
  if (run.endedAt !== undefined) summary.endedAt = run.endedAt;
  if (run.outcome !== undefined) summary.outcome = run.outcome;
  return summary;
}

/** Appends entries main sent, skipping any already held (a page and a pushed event can overlap). */
function mergeEntries(held: JournalEntryView[], incoming: JournalEntryView[]): JournalEntryView[] {
  const lastSeq = held.length === 0 ? -Infinity : (held[held.length - 1]?.seq ?? -Infinity);
  const fresh = incoming.filter((entry) => entry.seq > lastSeq);
  return fresh.length === 0 ? held : [...held, ...fresh];
}

export * from './selectors';
