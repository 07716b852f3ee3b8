import { requestNames, requestChannel } from '../../shared/contract-names';
import { fail, type Result } from '../../shared/result';
import type { Dispatch } from '../core/contract/dispatcher';
import type { FrameLike } from './trust';

/** The slice of Electron's `ipcMain` the binder uses, so it can be bound and tested without Electron. */
export type IpcMainLike = {
  handle(
    channel: string,
    listener: (event: { senderFrame: FrameLike }, ...args: unknown[]) => Promise<Result<unknown>>,
  ): void;
};

/**
 * Binds every request of the contract to its IPC channel. A message from an untrusted sender is answered with
 * `forbidden` and never reaches a handler; everything else goes through the dispatcher (schema check, typed
 * handler, always a Result).
 */
export function bindContract(
  ipc: IpcMainLike,
  dispatch: Dispatch,
  isTrusted: (frame: FrameLike) => boolean,
): void {
  for (const name of requestNames) {
    ipc.handle(requestChannel(name), async (event, payload) => {
      if (!isTrusted(event.senderFrame)) {
        return fail('forbidden', 'This request did not come from the Greenlight window.');
      }
      return dispatch(name, payload);
    });
  }
}
