import { AppError } from '../errors';
import { cancelledError, parseHttpUrl, requireNumber } from './evidence';
import type { CheckEvidence } from './evidence';

export type VersionCheckOptions = {
  /** The listener's base URL (`/health/info` is appended) or the full `/health/info` URL. */
  url: string;
  expectedVersion: string;
  /** Full or abbreviated (>= 7 hex digits) commit hash; either side may be the abbreviation. */
  expectedCommit?: string;
  /** Default 5000 ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
};

export type VersionCheckResult = {
  passed: boolean;
  /** The exact URL fetched. */
  url: string;
  status: number | null;
  expected: { version: string; commit: string | null };
  actual: { version: string | null; commit: string | null };
  /** Each mismatch in words, e.g. `version is 1.4.2, expected 1.5.1`. */
  mismatches: string[];
  /** Set when no usable answer came back (unreachable, timeout, non-200, not JSON). */
  error?: string;
  durationMs: number;
  evidence: CheckEvidence;
};

/** Commits match when equal, or when one is an abbreviation (>= 7 chars) of the other, case-insensitively. */
export function commitsMatch(expected: string, actual: string): boolean {
  const a = expected.trim().toLowerCase();
  const b = actual.trim().toLowerCase();
  if (a === b) return true;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short.length >= 7 && long.startsWith(short);
}

function infoUrl(base: URL): URL {
  if (base.pathname.replace(/\/+$/, '').endsWith('/health/info')) return base;
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/health/info`;
  return url;
}

/**
 * Asks a listener which build it serves (GET /health/info → {"version","commit"}) and compares with what the
 * release should be serving: the validation URL before the traffic shift, the production URL after it. A fleet
 * that cannot be reached or answers garbage is a failed check with `error`, not a throw; bad input is AppError
 * `invalid_input` naming the field; an aborted `signal` rejects with `check_cancelled`.
 */
export async function checkVersion(options: VersionCheckOptions): Promise<VersionCheckResult> {
  const url = infoUrl(parseHttpUrl(options.url, 'url'));
  if (typeof options.expectedVersion !== 'string' || options.expectedVersion.trim() === '') {
    throw new AppError('invalid_input', 'expectedVersion is required, e.g. 1.5.1.', {
      field: 'expectedVersion',
    });
  }
  if (
    options.expectedCommit !== undefined &&
    !/^[0-9a-fA-F]{7,64}$/.test(options.expectedCommit.trim())
  ) {
    throw new AppError(
      'invalid_input',
      `expectedCommit '${options.expectedCommit}' must be a commit hash of 7 to 64 hex digits.`,
      { field: 'expectedCommit' },
    );
  }
  const timeoutMs = requireNumber(options.timeoutMs ?? 5000, 'timeoutMs', 1, 120_000, 'ms', {
    integer: true,
  });
  const expected = {
    version: options.expectedVersion.trim(),
    commit: options.expectedCommit?.trim() ?? null,
  };
  const startedAt = new Date();
  const t0 = performance.now();

  let status: number | null = null;
  let body = '';
  let error: string | undefined;
  const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
  try {
    const response = await fetch(url, {
      signal: AbortSignal.any(signals),
      headers: { accept: 'application/json' },
    });
    status = response.status;
    body = (await response.text()).slice(0, 64 * 1024);
    if (status !== 200) error = `GET ${url.href} answered HTTP ${status}`;
  } catch (e) {
    if (options.signal?.aborted) throw cancelledError('version');
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    error =
      (e as Error).name === 'TimeoutError'
        ? `GET ${url.href} got no answer within ${timeoutMs} ms`
        : `GET ${url.href} failed: ${cause?.code ?? cause?.message ?? (e as Error).message}`;
  }

  const actual: VersionCheckResult['actual'] = { version: null, commit: null };
  if (error === undefined) {
    try {
      const info: unknown = JSON.parse(body);
      if (typeof info === 'object' && info !== null) {
        const record = info as Record<string, unknown>;
        if (typeof record['version'] === 'string') actual.version = record['version'];
        if (typeof record['commit'] === 'string') actual.commit = record['commit'];
      }
      if (actual.version === null) error = `${url.href} answered without a "version" field`;
    } catch {
      error = `${url.href} did not answer JSON: ${body.slice(0, 120)}`;
    }
  }

  const mismatches: string[] = [];
  if (error === undefined) {
    if (actual.version !== expected.version) {
      mismatches.push(`version is ${actual.version ?? 'missing'}, expected ${expected.version}`);
    }
    if (
      expected.commit !== null &&
      (actual.commit === null || !commitsMatch(expected.commit, actual.commit))
    ) {
      mismatches.push(`commit is ${actual.commit ?? 'missing'}, expected ${expected.commit}`);
    }
  }
  const finishedAt = new Date();
  const result: VersionCheckResult = {
    passed: error === undefined && mismatches.length === 0,
    url: url.href,
    status,
    expected,
    actual,
    mismatches,
    durationMs: Math.round(performance.now() - t0),
    evidence: {
      check: 'version',
      ran: `GET ${url.href} expecting version ${expected.version}${expected.commit ? ` commit ${expected.commit}` : ''}`,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      artifacts:
        body === ''
          ? []
          : [{ name: 'health-info.json', mediaType: 'application/json', content: body }],
    },
  };
  if (error !== undefined) result.error = error;
  return result;
}
