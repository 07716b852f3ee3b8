import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout or install root (the folder with package.json), found by walking up from this module, so the same
 * code works from the TypeScript sources (src/main/core) and from the build (out/main).
 */
export function appRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Greenlight cannot find its own package.json');
    dir = parent;
  }
  return dir;
}

export const resourcesDir = (): string => join(appRoot(), 'resources');
export const rendererBuildDir = (): string => join(appRoot(), 'out', 'renderer');

/** Where Greenlight keeps its database and artifacts unless told otherwise (XDG on Linux, like Electron's userData). */
export function defaultDataDir(): string {
  if (process.env['GREENLIGHT_DATA_DIR']) return process.env['GREENLIGHT_DATA_DIR'];
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Greenlight');
  if (process.platform === 'win32') return join(process.env['APPDATA'] ?? homedir(), 'Greenlight');
  return join(process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'greenlight');
}
