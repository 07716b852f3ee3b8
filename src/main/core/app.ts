import type { HostKind } from '../../shared/contract';
import { createDispatcher, type Dispatch } from './contract/dispatcher';
import { AppError } from './errors';
import { EventBus } from './events/event-bus';
import { createConsoleCore } from './handlers';
import { version } from '../../../package.json';

export type ConsoleOptions = {
  hostKind: HostKind;
  dataDir: string;
  /** The environments file (default: `<user config dir>/greenlight/environments.yaml`). */
  configPath?: string | undefined;
  /**
   * The embedded sandbox behind the built-in `sandbox` environment (started on first use, state file in dataDir).
   * Defaults come from GREENLIGHT_SANDBOX_SCENARIO and GREENLIGHT_TIME_SCALE (how Electron gets them).
   */
  sandbox?: { scenario?: string | undefined; timeScale?: number | undefined } | undefined;
  /** Resume unfinished runs in the background right after start (default true). */
  resume?: boolean;
  /** A runbook other than the shipped one (tests). */
  runbookFile?: string | undefined;
};

export type Console = {
  dispatch: Dispatch;
  bus: EventBus;
  close(): Promise<void>;
};

/** Sandbox settings from the environment variables, for hosts that cannot pass flags (Electron). */
export function sandboxSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): {
  scenario?: string;
  timeScale?: number;
} {
  const scenario = env['GREENLIGHT_SANDBOX_SCENARIO'];
  const scale = env['GREENLIGHT_TIME_SCALE'];
  const timeScale = scale === undefined || scale === '' ? undefined : Number(scale);
  if (timeScale !== undefined && (!Number.isFinite(timeScale) || timeScale <= 0)) {
    throw new AppError(
      'invalid-time-scale',
      `GREENLIGHT_TIME_SCALE must be a positive number, got '${scale}'.`,
    );
  }
  return { ...(scenario ? { scenario } : {}), ...(timeScale === undefined ? {} : { timeScale }) };
}

/**
 * Builds the whole console behind the contract — the same object whether Electron or the browser host carries it.
 * Cheap to call: the evidence store, the runbook engine, the AWS SDK and the sandbox load on first use; unfinished
 * runs are resumed in the background (re-attached to their deployments) once the host is up.
 */
export async function createConsole(options: ConsoleOptions): Promise<Console> {
  const bus = new EventBus();
  const fromEnv = sandboxSettingsFromEnv();
  const core = createConsoleCore({
    hostKind: options.hostKind,
    version,
    dataDir: options.dataDir,
    configPath: options.configPath,
    sandbox: {
      ...fromEnv,
      ...(options.sandbox?.scenario === undefined ? {} : { scenario: options.sandbox.scenario }),
      ...(options.sandbox?.timeScale === undefined ? {} : { timeScale: options.sandbox.timeScale }),
    },
    runbookFile: options.runbookFile,
    bus,
  });
  let resuming: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (options.resume !== false) {
    timer = setTimeout(() => {
      resuming = core.resume();
    }, 0);
  }
  return {
    dispatch: createDispatcher(core.handlers),
    bus,
    close: async () => {
      clearTimeout(timer);
      await resuming;
      await core.close();
    },
  };
}
