// The bench's fleet, forked by bench/probe.ts so it has its own event loop (and core). Routes:
//   /known  latency from a known distribution (10 ms + exponential, mean 20 ms, capped at 200 ms) plus a 1 s stall
//           in every 10 s: requests arriving in a stall are held until it ends. The server records each request's
//           true latency (request parsed -> response finished), the ground truth the probe is compared with.
//   /fast   answers at once (for the highest sustainable rate).
//   other   a small JSON body (for the smoke collection).
// IPC: {cmd:'reset'} clears the record; {cmd:'stats'} answers {latencies}; the first message sent is {port}.
import http from 'node:http';

const STALL_MS = 1000;
const PERIOD_MS = 10_000;
const t0 = performance.now();
let recorded = [];

// Deterministic pseudo-random numbers so every run draws the same base latencies.
let seed = 12345;
const random = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};

const server = http.createServer((req, res) => {
  if (req.url === '/fast') {
    res.end('ok');
    return;
  }
  if (req.url === '/known') {
    const arrived = performance.now();
    const phase = (arrived - t0) % PERIOD_MS;
    const held = phase < STALL_MS ? STALL_MS - phase : 0;
    const base = Math.min(200, 10 - 20 * Math.log(1 - random()));
    res.on('finish', () => recorded.push(performance.now() - arrived));
    setTimeout(() => res.end('ok'), held + base);
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end('{"status":"ok","version":"1.5.1"}');
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));

process.on('message', (message) => {
  if (message.cmd === 'reset') {
    recorded = [];
    process.send({ ok: true });
  } else if (message.cmd === 'stats') {
    process.send({ latencies: recorded });
  } else if (message.cmd === 'phase') {
    process.send({ phaseMs: (performance.now() - t0) % PERIOD_MS });
  }
});
process.on('disconnect', () => process.exit(0));
