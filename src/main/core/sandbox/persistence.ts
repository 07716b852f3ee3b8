import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors';
import { isScenarioName } from './scenarios';
import type { SandboxState } from './state';

/** The state file: the sandbox's mutable world plus the sandbox time it was saved at. */
export type SavedSandbox = { version: 1; sandboxNow: number; state: SandboxState };

/**
 * Reads a state file; undefined when there is none yet. A file that is not a sandbox state is refused rather
 * than overwritten (it may be something else the user pointed at by mistake).
 */
export function loadSandboxState(file: string): SavedSandbox | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AppError(
      'sandbox_state_unreadable',
      `The sandbox state file ${file} is not valid JSON; move it away or pick another --state file.`,
      { file },
      { cause: error },
    );
  }
  const saved = parsed as Partial<SavedSandbox> | null;
  const state = saved?.state as Partial<SandboxState> | undefined;
  if (
    saved?.version !== 1 ||
    typeof saved.sandboxNow !== 'number' ||
    state === undefined ||
    !Array.isArray(state.deployments) ||
    !Array.isArray(state.taskDefinitions) ||
    !isScenarioName(state.scenario) ||
    typeof state.service !== 'object'
  ) {
    throw new AppError(
      'sandbox_state_unreadable',
      `The file ${file} is not a Greenlight sandbox state file (version 1).`,
      { file },
    );
  }
  return saved as SavedSandbox;
}

/** Writes the state atomically (temp file + rename), so a crash mid-write leaves the previous state. */
export function saveSandboxState(file: string, state: SandboxState, sandboxNow: number): void {
  mkdirSync(dirname(file), { recursive: true });
  const saved: SavedSandbox = { version: 1, sandboxNow, state };
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(saved));
  renameSync(temp, file);
}
