/**
 * The one Content-Security-Policy of the console, whichever way it is hosted: only our own scripts, no inline
 * script, no eval, no remote anything, no framing. Inline styles are allowed because React's `style` props need
 * them; they cannot run code.
 */
export function contentSecurityPolicy(connectSources: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${connectSources.map((source) => ' ' + source).join('')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
