/**
 * The BrowserWindow options, as a pure function so a test can hold the hardening in place: the renderer gets no
 * Node, runs sandboxed and isolated from the preload, and keeps web security on.
 */
export function windowOptions(preloadPath: string) {
  return {
    width: 1360,
    height: 860,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'Greenlight',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  } as const;
}
