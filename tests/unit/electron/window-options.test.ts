import { describe, expect, it } from 'vitest';
import { windowOptions } from '../../../src/main/electron/window-options';

describe('the Greenlight window', () => {
  it('keeps Node out of the renderer and runs it sandboxed and isolated', () => {
    const prefs = windowOptions('/app/out/preload/index.cjs').webPreferences;
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });
});
