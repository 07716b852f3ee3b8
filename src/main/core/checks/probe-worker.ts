import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../errors';
import { runOpenLoop } from './probe-loop';
import type { OpenLoopConfig, ProbeParentMessage, ProbeWorkerMessage } from './probe-loop';

/**
 * The probe worker's entry (see startProbeWorker in probe.ts). It owns its own event loop, so the open-loop sender's
 * timers and the answers it times are never held up by the caller's work (the runbook engine's SQLite writes, GC,
 * IPC): a stall of the Electron main process is no longer counted as fleet latency.
 */
const port = parentPort;
if (port === null) {
  throw new AppError(
    'probe_worker_misused',
    'probe-worker runs only as a worker thread started by runProbe.',
  );
}

const post = (message: ProbeWorkerMessage): void => port.postMessage(message);
const controller = new AbortController();
port.on('message', (message: ProbeParentMessage) => {
  if (message.type === 'cancel') controller.abort();
});

runOpenLoop(workerData as OpenLoopConfig, {
  signal: controller.signal,
  onProgress: (progress) => post({ type: 'progress', progress }),
})
  .then((result) => post({ type: 'done', result }))
  .catch((error: unknown) => {
    // AppErrors cross as their parts and are rebuilt by the parent with the same code, message and detail.
    if (error instanceof AppError) {
      post({
        type: 'failed',
        code: error.code,
        message: error.message,
        ...(error.detail === undefined ? {} : { detail: error.detail }),
      });
    } else {
      post({
        type: 'failed',
        code: 'internal',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  })
  .finally(() => port.close());
