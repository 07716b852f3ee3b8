import { app, BrowserWindow, ipcMain, net, protocol, session, shell } from 'electron';
import { join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eventChannel } from '../shared/contract-names';
import { createConsole } from './core/app';
import { contentSecurityPolicy } from './core/host/csp';
import { bindContract } from './electron/ipc-binder';
import { APP_HOST, APP_ORIGIN, APP_SCHEME, isAllowedNavigation, isTrustedSender } from './electron/trust';
import { windowOptions } from './electron/window-options';

// The Electron shell only: one instance, one hardened window, the contract bound to ipcMain. Every decision in
// here is a pure function in ./electron or lives in ./core, where it is tested under plain Node.

const devServerUrl = process.env['ELECTRON_RENDERER_URL'];
const trust = { devServerUrl };
const here = import.meta.dirname;
const rendererDir = resolve(join(here, '../renderer'));

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void app.whenReady().then(start);
}

async function start(): Promise<void> {
  process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
  const csp = contentSecurityPolicy();

  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = resolve(join(rendererDir, url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname)));
    if (url.host !== APP_HOST || !file.startsWith(rendererDir + sep)) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).href);
    const headers = new Headers(response.headers);
    headers.set('content-security-policy', csp);
    return new Response(response.body, { status: response.status, headers });
  });

  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  const console_ = await createConsole({ hostKind: 'electron', dataDir: app.getPath('userData') });
  bindContract(ipcMain, console_.dispatch, (frame) => isTrustedSender(frame, trust));

  const window = new BrowserWindow(windowOptions(join(here, '../preload/index.cjs')));
  console_.bus.subscribe((name, payload) => {
    if (!window.isDestroyed()) window.webContents.send(eventChannel, { name, payload });
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, trust)) event.preventDefault();
  });
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(({ url }) => {
    // Links to documentation open in the system browser; nothing opens inside the console.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.once('ready-to-show', () => window.show());
  await window.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);

  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => {
    void console_.close().finally(() => app.quit());
  });
}
