import { timingSafeEqual } from 'node:crypto';

/**
 * Pure decisions of the browser host about who may talk to it. A page on another origin — including a
 * DNS-rebinding page that resolves its own name to 127.0.0.1 — must get nothing: it fails the Host check (its
 * name is in Host), the Origin check, and it never has the per-launch token.
 */

export type Verdict = { allowed: true } | { allowed: false; status: number; reason: string };

const allow: Verdict = { allowed: true };
const deny = (status: number, reason: string): Verdict => ({ allowed: false, status, reason });

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function allowedOrigins(port: number): string[] {
  return allowedHosts(port).map((host) => `http://${host}`);
}

export function tokensMatch(expected: string, given: string | undefined | null): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type RequestFacts = {
  port: number;
  host: string | undefined;
  origin: string | undefined;
  fetchSite: string | undefined;
  /** The token the request carried (query or cookie), if any. */
  token: string | undefined;
  expectedToken: string;
  /** WebSocket upgrades must name our origin; plain page loads may come without one. */
  isWebSocket: boolean;
};

export function checkRequest(facts: RequestFacts): Verdict {
  if (facts.host === undefined || !allowedHosts(facts.port).includes(facts.host.toLowerCase())) {
    return deny(403, `Host ${JSON.stringify(facts.host ?? '')} is not this console's address.`);
  }
  if (facts.origin !== undefined || facts.isWebSocket) {
    if (facts.origin === undefined || !allowedOrigins(facts.port).includes(facts.origin)) {
      return deny(403, `Origin ${JSON.stringify(facts.origin ?? '')} may not use this console.`);
    }
  }
  if (facts.fetchSite !== undefined && !['same-origin', 'none'].includes(facts.fetchSite)) {
    return deny(403, `A ${facts.fetchSite} request may not use this console.`);
  }
  if (facts.token === undefined || facts.token === '') {
    return deny(401, 'This console needs the token printed when it started (open the URL it printed).');
  }
  if (!tokensMatch(facts.expectedToken, facts.token)) {
    return deny(403, 'The token does not match this launch of the console.');
  }
  return allow;
}
