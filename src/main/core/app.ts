import type { AppInfo, HostKind } from '../../shared/contract';
import { createDispatcher, type Dispatch, type Handlers } from './contract/dispatcher';
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
  const handlers: Handlers = {
    'app.info': () => info(),
  };
  return {
    dispatch: createDispatcher(handlers),
    bus,
    close: async () => {},
  };
}
