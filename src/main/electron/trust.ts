/**
 * Pure trust decisions for the Electron shell, kept free of Electron so they can be table-tested.
 * The renderer is served from our own privileged scheme, `app://greenlight/`; in development it may come from the
 * electron-vite dev server, whose exact origin is passed in. Anything else — file://, look-alike hosts such as
 * `app://greenlight.evil`, remote pages, sub-frames — is untrusted.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'greenlight';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export type TrustOptions = { devServerUrl?: string | undefined };

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** True when `url` is one of our own pages: the app scheme and host exactly, or the dev server's origin. */
export function isAppUrl(url: string | null | undefined, options: TrustOptions = {}): boolean {
  if (typeof url !== 'string' || url === '') return false;
  const parsed = parse(url);
  if (parsed === undefined || parsed.username !== '' || parsed.password !== '') return false;
  if (parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST) return true;
  if (options.devServerUrl !== undefined) {
    const dev = parse(options.devServerUrl);
    return dev !== undefined && dev.origin !== 'null' && parsed.origin === dev.origin;
  }
  return false;
}

/** The parts of Electron's WebFrameMain the sender check needs. */
export type FrameLike = { url: string; parent: FrameLike | null } | null | undefined;

/**
 * An IPC message is trusted only from our own top-level frame: a sub-frame (even one of ours) or a frame that has
 * navigated away, or a sender without a frame (destroyed), is refused.
 */
export function isTrustedSender(frame: FrameLike, options: TrustOptions = {}): boolean {
  if (frame === null || frame === undefined) return false;
  if (frame.parent !== null) return false;
  return isAppUrl(frame.url, options);
}

/** Navigation inside the window is allowed only to our own pages; everything else is refused. */
export function isAllowedNavigation(url: string, options: TrustOptions = {}): boolean {
  return isAppUrl(url, options);
}
