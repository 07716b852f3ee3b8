import type { AppInfo, HostKind } from '../../shared/contract';
import { createDispatcher, type Dispatch, type Handlers } from './contract/dispatcher';
import { AppError } from './errors';
import { EventBus } from './events/event-bus';
import { version } from '../../../package.json';

export type ConsoleOptions = {
  hostKind: HostKind;
  dataDir: string;
};

export type Console = {
  dispatch: Dispatch;
  bus: EventBus;
  close(): Promise<void>;
};

/**
 * Builds the whole console behind the contract — the same object whether Electron or the browser host carries it.
 */
export async function createConsole(options: ConsoleOptions): Promise<Console> {
  const bus = new EventBus();
  const info = (): AppInfo => ({
    product: 'Greenlight',
    version,
    hostKind: options.hostKind,
    environments: [{ name: 'sandbox', target: 'sandbox', region: 'us-east-1' }],
    configProblems: [],
  });
  // Until the runbook engine is wired in, the run requests answer with a clear error instead of hanging.
  const notYet = (): never => {
    throw new AppError('not-available', 'This part of the console is not wired in yet.');
  };
  const handlers: Handlers = {
    'app.info': () => info(),
    'env.status': notYet,
    'env.login': notYet,
    'run.list': notYet,
    'run.start': notYet,
    'run.get': notYet,
    'run.step': notYet,
    'run.cancel': notYet,
    'run.override': notYet,
    'run.attest': notYet,
    'run.approve': notYet,
    'run.rollback': notYet,
    'run.terminateBlue': notYet,
    'journal.list': notYet,
    'artifact.get': notYet,
    'vault.export': notYet,
    'vault.verify': notYet,
    'notify.preview': notYet,
    'notify.send': notYet,
  };
  return {
    dispatch: createDispatcher(handlers),
    bus,
    close: async () => {},
  };
}
