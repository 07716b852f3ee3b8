import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { copyFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';

/**
 * newman runs in a child process started from a plain .mjs file (so the smoke run never blocks main's event
 * loop); the bundler does not see that file as an import, so copy it next to the main bundle.
 */
function copyNewmanRunner(): Plugin {
  return {
    name: 'greenlight-copy-newman-runner',
    writeBundle(options) {
      const outDir = options.dir ?? resolve('out/main');
      copyFileSync(
        resolve('src/main/core/checks/newman-runner.mjs'),
        resolve(outDir, 'newman-runner.mjs'),
      );
    },
  };
}

export default defineConfig({
  main: {
    plugins: [copyNewmanRunner()],
    build: {
      // zod and ws are on `greenlight serve`'s path to its URL. Loaded from node_modules they cost ~90 ms of module
      // resolution, CJS export scanning and compiling zod's ~120 files; bundled (and tree-shaken) they cost ~15 ms.
      // Native better-sqlite3 and the AWS SDK (imported lazily) stay external.
      externalizeDeps: { exclude: ['zod', 'ws'] },
      rollupOptions: {
        // The Electron entry and the `greenlight` command share the core; the command runs under plain Node. The load
        // probe's sender runs in a worker thread started from out/main/probe-worker.js (see resolveProbeWorkerPath).
        input: {
          index: resolve('src/main/index.ts'),
          cli: resolve('src/main/core/cli/index.ts'),
          'probe-worker': resolve('src/main/core/checks/probe-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        // Sandboxed preloads must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    plugins: [react()],
    // electron-vite leaves the renderer unminified (a desktop app reads it from disk), but every launch parses it,
    // and the browser host sends it over HTTP: minified, the first chunk is ~3x smaller and the shell renders sooner.
    build: { minify: true },
  },
});
