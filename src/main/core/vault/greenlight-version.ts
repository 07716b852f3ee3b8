import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * This build's version, from the nearest `package.json` named greenlight above this module (the same lookup
 * works from the sources, from `out/main` and inside a packaged app). Recorded in every bundle's manifest.
 */
export function greenlightVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  try {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 8; i += 1) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (pkg.name === 'greenlight' && typeof pkg.version === 'string') {
          cached = pkg.version;
          break;
        }
      } catch {
        // not here: keep climbing
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  } catch {
    // import.meta.url not a file URL (bundled differently): the manifest says 'unknown'
  }
  return cached;
}
