/**
 * Startup figures, each a median of several runs and a ratio to a baseline measured in the same run:
 *  (a) the renderer: navigation to the console shell being ready (data-app-state="ready", app.info answered) vs a
 *      React hello page built with the same Vite and React, both in the same Chromium, fresh context each time;
 *  (b) the Node side: `node out/main/cli.js serve` until it prints its URL vs `node -e 0`;
 *  (c) a resumed run with 5,000 journal entries: navigation to its first rendered checklist vs the hello page.
 * Goal: <= 2.0x each. Run with `npx electron-vite build && npx tsx bench/startup.ts` (RUNS=N to change the count).
 */
import react from '@vitejs/plugin-react';
import { spawn } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { appRoot, rendererBuildDir } from '../src/main/core/paths';
import { launchChromium } from '../tests/support/chromium';
import { serveArgs, startConsoleHost, tokenCookie } from '../tests/support/console-host';
import { seedResumedRun } from './startup-seed';

const RUNS = Number(process.env['RUNS'] ?? 9);
const root = appRoot();

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const note = (message: string) => process.stderr.write(`startup: ${message}\n`);

/** A React hello page built by Vite (same React, same plugin, same minify setting as the renderer build). */
async function buildHelloPage(dir: string): Promise<string> {
  const src = join(dir, 'src');
  mkdirSync(src, { recursive: true });
  writeFileSync(
    join(src, 'index.html'),
    '<!doctype html><html lang="en"><head><meta charset="UTF-8" /><title>Hello</title></head>' +
      '<body><div id="root"></div><script type="module" src="./main.tsx"></script></body></html>',
  );
  writeFileSync(
    join(src, 'main.tsx'),
    "import { StrictMode } from 'react';\nimport { createRoot } from 'react-dom/client';\n" +
      'function Hello() { return <h1 id="hello">Hello</h1>; }\n' +
      "createRoot(document.getElementById('root')!).render(<StrictMode><Hello /></StrictMode>);\n",
  );
  const out = join(dir, 'dist');
  await build({
    root: src,
    logLevel: 'silent',
    configFile: false,
    plugins: [react()],
    resolve: {
      alias: {
        react: join(root, 'node_modules', 'react'),
        'react-dom': join(root, 'node_modules', 'react-dom'),
      },
    },
    // electron-vite builds the renderer unminified; the baseline is built the same way so the ratio compares apps.
    build: { outDir: out, emptyOutDir: true, minify: false },
  });
  return out;
}

const types: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
};

function serveStatic(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(
      join(dir, req.url === '/' ? 'index.html' : (req.url ?? '').split('?')[0]!),
    );
    if (!path.startsWith(dir) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Milliseconds from navigation start until `selector` first matches, observed inside the page (a MutationObserver
 * installed before any page script runs), in a fresh browser context so nothing is cached.
 */
async function timeToSelector(
  browser: Browser,
  url: string,
  selector: string,
  cookie?: { name: string; value: string; url: string },
): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    if (cookie !== undefined)
      await context.addCookies([{ ...cookie, httpOnly: true, sameSite: 'Strict' }]);
    // A string, not a function: tsx would wrap a function's inner helpers in __name(), which the page lacks.
    await context.addInitScript(`(() => {
      const wanted = ${JSON.stringify(selector)};
      const record = () => {
        if (window.__firstMatch !== undefined) return true;
        if (document.querySelector(wanted) === null) return false;
        window.__firstMatch = performance.now();
        return true;
      };
      const observer = new MutationObserver(() => { if (record()) observer.disconnect(); });
      observer.observe(document, { childList: true, subtree: true, attributes: true });
    })();`);
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(
      () => (window as unknown as { __firstMatch?: number }).__firstMatch !== undefined,
      undefined,
      {
        timeout: 60_000,
      },
    );
    return await page.evaluate(() => (window as unknown as { __firstMatch: number }).__firstMatch);
  } finally {
    await context.close();
  }
}

function timeProcess(args: string[], untilFirstLine: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    child.once('error', reject);
    if (untilFirstLine) {
      createInterface({ input: child.stdout }).once('line', () => {
        const elapsed = performance.now() - started;
        child.once('exit', () => resolve(elapsed));
        child.kill('SIGTERM');
      });
    } else {
      child.once('exit', () => resolve(performance.now() - started));
    }
  });
}

async function main(): Promise<void> {
  if (
    !existsSync(join(rendererBuildDir(), 'index.html')) ||
    !existsSync(join(root, 'out', 'main', 'cli.js'))
  ) {
    throw new Error('Build first: npx electron-vite build');
  }
  const work = mkdtempSync(join(tmpdir(), 'greenlight-bench-startup-'));
  const browser = await launchChromium();
  // Each figure is printed as soon as it is measured.
  const lines = { push: (line: string) => process.stdout.write(`${line}\n`) };
  process.stdout.write(`startup (medians of ${RUNS} runs)\n`);
  try {
    note('building the hello page');
    const hello = await serveStatic(await buildHelloPage(join(work, 'hello')));
    const helloUrl = `http://127.0.0.1:${(hello.address() as AddressInfo).port}/`;
    note('starting the console hosts');
    const shell = await startConsoleHost(join(work, 'shell-data'));
    const shellCookie = tokenCookie(shell.host);
    const seeded = await seedResumedRun(join(work, 'resume-data'), 5000);

    note('measuring pages');
    // Warm-up: Chromium's first context and the hosts' first requests are not what we measure.
    await timeToSelector(browser, helloUrl, '#hello');
    await timeToSelector(browser, shell.host.origin + '/', '[data-app-state="ready"]', shellCookie);

    const helloTimes: number[] = [];
    const shellTimes: number[] = [];
    const resumeTimes: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      // Interleaved, so drift on a noisy machine hits all of them alike.
      helloTimes.push(await timeToSelector(browser, helloUrl, '#hello'));
      shellTimes.push(
        await timeToSelector(
          browser,
          shell.host.origin + '/',
          '[data-app-state="ready"]',
          shellCookie,
        ),
      );
      if (seeded.kind === 'ready') {
        resumeTimes.push(
          await timeToSelector(
            browser,
            `${seeded.origin}/#run=${seeded.runId}`,
            '[data-checklist-ready="true"]',
            seeded.cookie,
          ),
        );
      }
    }
    const helloMs = median(helloTimes);
    const shellMs = median(shellTimes);
    lines.push(`React hello page (baseline)            ${fmt(helloMs)}`);
    lines.push(
      `(a) console shell ready                ${fmt(shellMs)}  = ${(shellMs / helloMs).toFixed(2)}x hello (goal <= 2.0x)`,
    );
    if (seeded.kind === 'ready') {
      const resumeMs = median(resumeTimes);
      lines.push(
        `(c) resumed run, 5,000 entries, checklist ${fmt(resumeMs)}  = ${(resumeMs / helloMs).toFixed(2)}x hello (goal <= 2.0x)`,
      );
    } else {
      lines.push(`(c) resumed run with 5,000 entries: not measured (${seeded.reason})`);
    }

    note('measuring processes');
    await timeProcess(['-e', '0'], false);
    const nodeTimes: number[] = [];
    const serveTimes: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      nodeTimes.push(await timeProcess(['-e', '0'], false));
      serveTimes.push(await timeProcess(serveArgs(join(work, `serve-${i}`)), true));
    }
    const nodeMs = median(nodeTimes);
    const serveMs = median(serveTimes);
    lines.push(`node -e 0 (baseline)                   ${fmt(nodeMs)}`);
    lines.push(
      `(b) greenlight serve, host ready       ${fmt(serveMs)}  = ${(serveMs / nodeMs).toFixed(2)}x node (goal <= 2.0x)`,
    );

    await browser.close();
    hello.closeAllConnections();
    hello.close();
    note('closing the console hosts');
    await shell.close();
    await seeded.close();
  } finally {
    if (browser.isConnected()) await browser.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
