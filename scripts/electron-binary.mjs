// Where the Electron binary is, or why there is none — without triggering electron's lazy download (which
// fails on machines without internet). Used by `npm start` and by the Electron test to decide whether to skip.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function electronBinary() {
  const require = createRequire(import.meta.url);
  let packageDir;
  try {
    packageDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { path: undefined, reason: 'the electron package is not installed' };
  }
  const pathFile = join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return { path: undefined, reason: 'the Electron binary was never downloaded (no internet access at install time)' };
  }
  const binary = join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary)
    ? { path: binary, reason: undefined }
    : { path: undefined, reason: `the Electron binary is missing at ${binary}` };
}
