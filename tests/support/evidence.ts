import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEvidenceStore } from '../../src/main/core/evidence/store';
import type { EvidenceStore, EvidenceStoreOptions } from '../../src/main/core/evidence/store';
import type { Run } from '../../src/main/core/evidence/types';

export const CHILD_SCRIPT = fileURLToPath(new URL('./evidence-append-child.ts', import.meta.url));

/** A run with the fields every test uses; override what the test is about. */
export function startRun(
  store: EvidenceStore,
  overrides: Partial<Parameters<EvidenceStore['createRun']>[0]> = {},
): Run {
  return store.createRun({
    environment: 'staging',
    version: '1.4.2',
    runbook: { id: 'fixnado-backend', hash: 'sha256:' + 'c'.repeat(64) },
    operator: {
      name: 'alice',
      arn: 'arn:aws:sts::123456789012:assumed-role/Release/alice',
      accountId: '123456789012',
    },
    ...overrides,
  });
}

export async function openStore(
  dataDir: string,
  options: Partial<EvidenceStoreOptions> = {},
): Promise<EvidenceStore> {
  return (await openEvidenceStore({ dataDir, ...options })).store;
}

/** Spawns the append child; `lines` fills with its complete stdout lines as they arrive. */
export function spawnAppender(
  dataDir: string,
  mode: 'loop' | 'hang-after-intent' | 'hold',
): { child: ChildProcess; lines: string[]; exited: Promise<void>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT, dataDir, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GREENLIGHT_LOG: 'silent' },
  });
  const lines: string[] = [];
  let partial = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  return { child, lines, exited, stderr: () => err };
}

/** Resolves when `condition` holds, polling; rejects with `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Every file under `dir` (recursively) whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8');
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const info = statSync(path);
      if (info.isDirectory()) walk(path);
      else if (readFileSync(path).includes(bytes)) found.push(path);
    }
  };
  walk(dir);
  return found;
}
