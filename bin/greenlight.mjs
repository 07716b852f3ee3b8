#!/usr/bin/env node
// The `greenlight` command. It runs the same core code as the app: from the production build when one exists and
// is newer than the sources, otherwise straight from the TypeScript sources through tsx (a checkout needs no build).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'out', 'main', 'cli.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (time > newest) newest = time;
  }
  return newest;
}

const sources = join(root, 'src');
const useBuild =
  existsSync(built) && (!existsSync(sources) || statSync(built).mtimeMs >= newestMtime(sources));

let cli;
if (useBuild) {
  cli = await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(pathToFileURL(join(sources, 'main', 'core', 'cli', 'index.ts')).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
