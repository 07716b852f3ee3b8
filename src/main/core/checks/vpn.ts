import net from 'node:net';
import os from 'node:os';
import { AppError } from '../errors';
import { cidrContains, parseAddress, parseCidr } from './cidr';
import type { Cidr } from './cidr';
import { parseHttpUrl, requireNumber } from './evidence';
import type { CheckEvidence } from './evidence';

/** The shape of `os.networkInterfaces()`; tests inject their own. */
export type NetworkInterfaces = Record<
  string,
  ReadonlyArray<{ address: string; internal?: boolean }> | undefined
>;

export type VpnCheckOptions = {
  /** The environment's permitted source ranges (the VPN pools), IPv4 or IPv6 CIDR. */
  permittedCidrs: readonly string[];
  /** The validation (test) listener; its host and port are TCP-connected. */
  validationUrl: string;
  /** Connect timeout, default 3000 ms. */
  timeoutMs?: number;
  /** Defaults to os.networkInterfaces(). */
  interfaces?: NetworkInterfaces;
};

export type VpnCheckResult = {
  passed: boolean;
  /** Which half failed: `address` (not on the VPN), `listener` (validation listener unreachable), both, or none. */
  failed: Array<'address' | 'listener'>;
  /** One sentence for the operator saying what failed, or that both halves passed. */
  message: string;
  address: {
    passed: boolean;
    /** Local addresses inside a permitted range, with the range. */
    matches: Array<{ interface: string; address: string; cidr: string }>;
    /** Every local address looked at. */
    considered: Array<{ interface: string; address: string }>;
  };
  listener: {
    passed: boolean;
    host: string;
    port: number;
    connectMs: number | null;
    error?: string;
  };
  evidence: CheckEvidence;
};

function connect(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<{ ms: number } | { error: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const socket = net.connect({ host, port });
    const finish = (outcome: { ms: number } | { error: string }): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish({ error: `no TCP connection within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('connect', () => finish({ ms: Math.round((performance.now() - t0) * 10) / 10 }));
    socket.once('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
  });
}

/**
 * Section 4 runs from the operator's VPN laptop: the validation listener only admits the VPN's ranges. This check
 * says whether this machine has an address inside a permitted range AND whether the validation listener accepts a
 * TCP connection within the timeout, and which of the two failed. Bad CIDRs or URL throw AppError `invalid_input`
 * naming the field.
 */
export async function checkVpn(options: VpnCheckOptions): Promise<VpnCheckResult> {
  if (!Array.isArray(options.permittedCidrs) || options.permittedCidrs.length === 0) {
    throw new AppError(
      'invalid_input',
      'permittedCidrs must list at least one CIDR, e.g. 10.8.0.0/16.',
      {
        field: 'permittedCidrs',
      },
    );
  }
  const cidrs: Cidr[] = options.permittedCidrs.map((text, i) => {
    const cidr = typeof text === 'string' ? parseCidr(text) : undefined;
    if (cidr === undefined) {
      throw new AppError(
        'invalid_input',
        `permittedCidrs[${i}] '${String(text)}' is not a CIDR: expected e.g. 10.8.0.0/16 or fd00:8::/48.`,
        { field: `permittedCidrs[${i}]`, value: String(text) },
      );
    }
    return cidr;
  });
  const url = parseHttpUrl(options.validationUrl, 'validationUrl');
  const timeoutMs = requireNumber(options.timeoutMs ?? 3000, 'timeoutMs', 1, 60_000, 'ms', {
    integer: true,
  });
  const startedAt = new Date();

  const interfaces = options.interfaces ?? os.networkInterfaces();
  const considered: VpnCheckResult['address']['considered'] = [];
  const matches: VpnCheckResult['address']['matches'] = [];
  for (const [name, entries] of Object.entries(interfaces)) {
    for (const entry of entries ?? []) {
      considered.push({ interface: name, address: entry.address });
      const parsed = parseAddress(entry.address);
      if (parsed === undefined) continue;
      const hit = cidrs.find((c) => cidrContains(c, parsed));
      if (hit) matches.push({ interface: name, address: entry.address, cidr: hit.source });
    }
  }

  // URL.hostname keeps IPv6 brackets; net.connect wants them off.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const outcome = await connect(host, port, timeoutMs);
  const listener: VpnCheckResult['listener'] =
    'ms' in outcome
      ? { passed: true, host, port, connectMs: outcome.ms }
      : { passed: false, host, port, connectMs: null, error: outcome.error };

  const failed: VpnCheckResult['failed'] = [];
  const ranges = cidrs.map((c) => c.source).join(', ');
  const parts: string[] = [];
  if (matches.length === 0) {
    failed.push('address');
    parts.push(
      `no local address is inside the permitted ranges (${ranges}): connect to the VPN` +
        ` (addresses seen: ${considered.map((c) => c.address).join(', ') || 'none'})`,
    );
  }
  if (!listener.passed) {
    failed.push('listener');
    parts.push(
      `the validation listener ${host}:${port} is not reachable (${listener.error ?? 'unknown'})`,
    );
  }
  const message =
    failed.length === 0
      ? `On the VPN (${matches[0]?.address} in ${matches[0]?.cidr}) and the validation listener ${host}:${port} accepts connections.`
      : `VPN check failed: ${parts.join('; and ')}.`;
  const finishedAt = new Date();
  return {
    passed: failed.length === 0,
    failed,
    message,
    address: { passed: matches.length > 0, matches, considered },
    listener,
    evidence: {
      check: 'vpn',
      ran: `local addresses vs ${ranges}; TCP connect ${host}:${port} (timeout ${timeoutMs} ms)`,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      artifacts: [],
    },
  };
}
