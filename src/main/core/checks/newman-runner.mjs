// Runs one newman collection off the caller's event loop. Plain JavaScript on purpose: it is started by
// child_process.fork (or as a worker_thread) both under tsx in development and from the built output, without a
// TypeScript loader. Protocol: the parent sends {type:'run', options}; this file answers with
// {type:'request', request} after each request and finally {type:'done', ...} or {type:'fatal', message}.
// newman costs ~660 ms to load and ~16 ms CPU per request (platform facts), which is why it lives here.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';

const channel = parentPort
  ? {
      send: (m) => parentPort.postMessage(m),
      on: (fn) => parentPort.on('message', fn),
      close: () => parentPort.close(),
    }
  : {
      send: (m) => process.send?.(m),
      on: (fn) => process.on('message', fn),
      close: () => process.disconnect?.(),
    };

function urlText(request) {
  try {
    return request?.url?.toString() ?? '';
  } catch {
    return '';
  }
}

function run(options) {
  const require = createRequire(import.meta.url);
  const newman = require(options.newmanPath ?? 'newman');
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-smoke-'));
  const junitPath = join(dir, 'junit.xml');
  const byRef = new Map();
  const order = [];

  const recordFor = (cursor, item) => {
    const ref = cursor?.ref ?? String(order.length);
    let record = byRef.get(ref);
    if (!record) {
      record = {
        name: item?.name ?? '(unnamed request)',
        method: 'GET',
        url: '',
        status: null,
        timeMs: null,
        failedAssertions: [],
        // pm.test assertions only, counted as newman's run stats count them: a run cut short still has a total.
        assertions: { total: 0, failed: 0 },
      };
      byRef.set(ref, record);
      order.push(record);
    }
    return record;
  };

  const emitter = newman.run(
    {
      collection: options.collection,
      // An environment variable outranks a collection variable, so the collection's own baseUrl is overridden.
      envVar: [{ key: 'baseUrl', value: options.baseUrl }],
      delayRequest: options.delayRequestMs,
      timeoutRequest: options.requestTimeoutMs,
      reporters: ['junit'],
      reporter: { junit: { export: junitPath } },
    },
    (err, summary) => {
      let junitXml = '';
      try {
        junitXml = readFileSync(junitPath, 'utf8');
      } catch {
        // no report: the run failed before any request
      }
      rmSync(dir, { recursive: true, force: true });
      if (err && order.length === 0) {
        channel.send({ type: 'fatal', message: err.message ?? String(err) });
      } else {
        const stats = summary?.run?.stats ?? {};
        channel.send({
          type: 'done',
          requests: order,
          junitXml,
          collectionName: summary?.collection?.name ?? '',
          assertions: {
            total: stats.assertions?.total ?? 0,
            failed: stats.assertions?.failed ?? 0,
          },
          error: err ? (err.message ?? String(err)) : undefined,
        });
      }
      channel.close();
    },
  );

  emitter.on('beforeRequest', (err, args) => {
    const record = recordFor(args.cursor, args.item);
    record.method = args.request?.method ?? 'GET';
    record.url = urlText(args.request);
  });
  emitter.on('request', (err, args) => {
    const record = recordFor(args.cursor, args.item);
    record.method = args.request?.method ?? record.method;
    record.url = urlText(args.request) || record.url;
    if (args.response) {
      record.status = args.response.code;
      record.timeMs = args.response.responseTime ?? null;
    }
    if (err) {
      record.error = err.message ?? String(err);
      record.failedAssertions.push({ name: 'request', message: record.error });
    }
  });
  emitter.on('assertion', (err, args) => {
    const record = recordFor(args.cursor, args.item);
    record.assertions.total += 1;
    if (!err) return;
    record.assertions.failed += 1;
    record.failedAssertions.push({
      name: args.assertion ?? err.test ?? 'assertion',
      message: err.message ?? '',
    });
  });
  emitter.on('script', (err, args) => {
    if (!err) return;
    const record = recordFor(args.cursor, args.item);
    const kind = args.event?.listen === 'prerequest' ? 'pre-request script' : 'test script';
    record.failedAssertions.push({
      name: kind,
      message: `${err.name ?? 'Error'}: ${err.message ?? String(err)}`,
    });
  });
  emitter.on('item', (err, args) => {
    const record = recordFor(args.cursor, args.item);
    channel.send({ type: 'request', request: record });
  });
}

channel.on((message) => {
  if (message?.type !== 'run') return;
  try {
    run(message.options);
  } catch (error) {
    channel.send({ type: 'fatal', message: error?.message ?? String(error) });
    channel.close();
  }
});
channel.send({ type: 'ready' });
