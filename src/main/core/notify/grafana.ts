import { AppError } from '../errors';

/** Where Grafana is and the service-account token to use (the token is a secret: never logged nor journaled). */
export type GrafanaConnection = { url: string; token: string };

export type GrafanaCallOptions = { timeoutMs?: number; signal?: AbortSignal };

/** A dashboard as `GET /api/search?type=dash-db` lists it. */
export type GrafanaDashboard = {
  uid: string;
  title: string;
  folderTitle?: string;
  /** Absolute link to the dashboard, when Grafana gave its path. */
  url?: string;
};

/** An annotation as `GET /api/annotations` lists it (the fields Greenlight reads). */
export type GrafanaAnnotation = {
  id: number;
  dashboardUID?: string;
  time: number;
  tags: string[];
  text: string;
};

export type AnnotationInput = {
  dashboardUID: string;
  /** Epoch milliseconds. */
  time: number;
  tags: string[];
  text: string;
};

/** The tag that marks an annotation as made by one Greenlight run: how a restart finds it instead of posting again. */
export function runTag(runId: string): string {
  return `greenlight-run:${runId}`;
}

type Target = { base: URL; host: string };

function targetOf(connection: GrafanaConnection): Target {
  let base: URL;
  try {
    base = new URL(connection.url);
  } catch {
    throw new AppError(
      'grafana-url-invalid',
      "The Grafana URL is not a valid URL (check the environment's integrations.grafana.url).",
    );
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new AppError(
      'grafana-url-invalid',
      `The Grafana URL must be an http(s) URL, not ${base.protocol}`,
    );
  }
  return { base, host: base.host };
}

/** `path` under the Grafana URL, which may itself carry a sub-path (Grafana served under `/grafana/`). */
function urlFor(target: Target, path: string, query: [string, string][] = []): URL {
  const url = new URL(target.base.href);
  url.pathname = `${target.base.pathname.replace(/\/+$/, '')}${path}`;
  url.search = '';
  url.hash = '';
  url.username = '';
  url.password = '';
  for (const [k, v] of query) url.searchParams.append(k, v);
  return url;
}

/** Grafana's own short explanation (`{"message": ...}`), else the start of the body; never the token. */
function shortMessage(body: string, token: string): string {
  let message = body;
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // Not JSON (a proxy's HTML page): its first characters say enough.
  }
  message = message.replace(/\s+/g, ' ').trim().slice(0, 200);
  return token.length >= 4 ? message.split(token).join('***') : message;
}

/**
 * One call to Grafana's HTTP API with the bearer token. Errors name the host only (the URL may carry a path an
 * operator considers private, and the token is never repeated): unreachable (retryable), the token refused
 * (401/403), or any other non-2xx with Grafana's own message.
 */
async function call(
  connection: GrafanaConnection,
  method: 'GET' | 'POST',
  path: string,
  query: [string, string][],
  body: unknown,
  options: GrafanaCallOptions,
): Promise<unknown> {
  const target = targetOf(connection);
  const signals = [
    AbortSignal.timeout(options.timeoutMs ?? 10_000),
    ...(options.signal ? [options.signal] : []),
  ];
  let response: Response;
  try {
    response = await fetch(urlFor(target, path, query), {
      method,
      headers: {
        authorization: `Bearer ${connection.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.any(signals),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new AppError(
      'grafana-unreachable',
      `Grafana (${target.host}) could not be reached: ${cause}.`,
      { host: target.host, retryable: true },
    );
  }
  const text = await response.text();
  if (response.status === 401 || response.status === 403) {
    const why = shortMessage(text, connection.token);
    throw new AppError(
      'grafana-rejected',
      response.status === 401
        ? `Grafana (${target.host}) refused the service-account token (HTTP 401${why ? `: ${why}` : ''}): check the token of the environment's Grafana integration.`
        : `Grafana (${target.host}) refused the service-account token for ${method} ${path} (HTTP 403${why ? `: ${why}` : ''}): the token's role may not ${method === 'GET' ? 'read dashboards' : 'write annotations'}.`,
      { host: target.host, status: response.status },
    );
  }
  if (!response.ok) {
    const why = shortMessage(text, connection.token);
    throw new AppError(
      'grafana-rejected',
      `Grafana (${target.host}) answered HTTP ${response.status} to ${method} ${path}${why ? `: ${why}` : ''}.`,
      { host: target.host, status: response.status },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError(
      'grafana-malformed-response',
      `Grafana (${target.host}) answered ${method} ${path} with something that is not JSON.`,
      { host: target.host, status: response.status },
    );
  }
}

type SearchHit = { uid?: unknown; title?: unknown; folderTitle?: unknown; url?: unknown };

const normalize = (s: string): string => s.replace(/\s+/g, ' ').trim().toLowerCase();

function qualified(hit: { title: string; folderTitle?: string }): string {
  return hit.folderTitle ? `${hit.folderTitle} / ${hit.title}` : hit.title;
}

function toDashboard(target: Target, hit: SearchHit): GrafanaDashboard | undefined {
  if (typeof hit.uid !== 'string' || typeof hit.title !== 'string') return undefined;
  return {
    uid: hit.uid,
    title: hit.title,
    ...(typeof hit.folderTitle === 'string' && hit.folderTitle !== ''
      ? { folderTitle: hit.folderTitle }
      : {}),
    // Grafana's `url` already carries its sub-path (`/grafana/d/<uid>/<slug>`): resolve it against the origin.
    ...(typeof hit.url === 'string' && hit.url.startsWith('/') && !hit.url.startsWith('//')
      ? { url: new URL(hit.url, target.base.origin).href }
      : {}),
  };
}

async function searchDashboards(
  connection: GrafanaConnection,
  query: string | undefined,
  options: GrafanaCallOptions,
): Promise<GrafanaDashboard[]> {
  const target = targetOf(connection);
  const answer = await call(
    connection,
    'GET',
    '/api/search',
    [
      ['type', 'dash-db'],
      ...(query === undefined ? [] : ([['query', query]] as [string, string][])),
      ['limit', '1000'],
    ],
    undefined,
    options,
  );
  if (!Array.isArray(answer)) {
    throw new AppError(
      'grafana-malformed-response',
      `Grafana (${target.host}) answered GET /api/search with something other than a list.`,
      { host: target.host },
    );
  }
  return (answer as SearchHit[])
    .map((h) => toDashboard(target, h))
    .filter((d): d is GrafanaDashboard => d !== undefined);
}

/** Edit distance, for naming the dashboards nearest to a title that matched none. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/**
 * Finds a dashboard by the title an operator reads in Grafana. "Fixnado / Platform Health" is either a dashboard
 * with that very title or the dashboard "Platform Health" in the folder "Fixnado": Grafana's search matches the
 * query against dashboard titles only (not folders), so the search asks for the part after the last " / ", which
 * both forms contain, and the answer is matched on `title` or `folderTitle / title` (case and spacing aside).
 * No match: an AppError naming what was searched and the nearest titles the token can see.
 */
export async function findDashboard(
  connection: GrafanaConnection,
  title: string,
  options: GrafanaCallOptions = {},
): Promise<GrafanaDashboard> {
  const target = targetOf(connection);
  const wanted = normalize(title);
  const clean = title.replace(/\s+/g, ' ').trim();
  const query = clean.split(' / ').at(-1)?.trim() || clean;
  const hits = await searchDashboards(connection, query, options);
  const exact = hits.filter((h) => normalize(h.title) === wanted);
  const inFolder = hits.filter(
    (h) => h.folderTitle !== undefined && normalize(qualified(h)) === wanted,
  );
  const matches = exact.length > 0 ? exact : inFolder;
  if (matches.length === 1 && matches[0] !== undefined) return matches[0];
  if (matches.length > 1) {
    throw new AppError(
      'grafana-dashboard-ambiguous',
      `Grafana (${target.host}) has ${matches.length} dashboards titled "${title}" (${matches.map((m) => `"${qualified(m)}"`).join(', ')}): name it with its folder, as "Folder / Title".`,
      { host: target.host, dashboard: title, candidates: matches.map(qualified) },
    );
  }
  // Nothing matched: rank what the token can see (the query's hits, else every dashboard) by closeness.
  const pool = hits.length > 0 ? hits : await searchDashboards(connection, undefined, options);
  const nearest = pool
    .map((h) => ({ name: qualified(h), d: distance(normalize(qualified(h)), wanted) }))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.name);
  throw new AppError(
    'grafana-dashboard-not-found',
    `No Grafana dashboard titled "${title}" on ${target.host} (searched GET /api/search?type=dash-db&query=${query}); ${
      nearest.length > 0
        ? `nearest: ${nearest.map((n) => `"${n}"`).join(', ')}.`
        : 'the token sees no dashboards at all (check its role).'
    }`,
    { host: target.host, dashboard: title, query, nearest },
  );
}

/** `POST /api/annotations`: annotates a dashboard; Grafana answers `{id, message}`. */
export async function createAnnotation(
  connection: GrafanaConnection,
  input: AnnotationInput,
  options: GrafanaCallOptions = {},
): Promise<{ id: number; message: string }> {
  const target = targetOf(connection);
  const answer = (await call(
    connection,
    'POST',
    '/api/annotations',
    [],
    {
      dashboardUID: input.dashboardUID,
      time: input.time,
      tags: input.tags,
      text: input.text,
    },
    options,
  )) as { id?: unknown; message?: unknown } | null;
  if (typeof answer?.id !== 'number') {
    throw new AppError(
      'grafana-malformed-response',
      `Grafana (${target.host}) accepted the annotation but gave no id.`,
      { host: target.host },
    );
  }
  return { id: answer.id, message: typeof answer.message === 'string' ? answer.message : '' };
}

/**
 * `GET /api/annotations?dashboardUID=...&tags=...`: the annotations carrying every tag (newest first). The tags
 * are checked again on the answer, so a Grafana that ignored the filter cannot make another annotation look like
 * ours.
 */
export async function findAnnotations(
  connection: GrafanaConnection,
  query: { dashboardUID?: string; tags: string[]; limit?: number },
  options: GrafanaCallOptions = {},
): Promise<GrafanaAnnotation[]> {
  const target = targetOf(connection);
  const params: [string, string][] = [
    ['type', 'annotation'],
    ['limit', String(query.limit ?? 100)],
    ...(query.dashboardUID === undefined
      ? []
      : ([['dashboardUID', query.dashboardUID]] as [string, string][])),
    ...query.tags.map((t): [string, string] => ['tags', t]),
  ];
  const answer = await call(connection, 'GET', '/api/annotations', params, undefined, options);
  if (!Array.isArray(answer)) {
    throw new AppError(
      'grafana-malformed-response',
      `Grafana (${target.host}) answered GET /api/annotations with something other than a list.`,
      { host: target.host },
    );
  }
  return (answer as Record<string, unknown>[])
    .filter((a) => typeof a['id'] === 'number')
    .map((a): GrafanaAnnotation => ({
      id: a['id'] as number,
      ...(typeof a['dashboardUID'] === 'string' ? { dashboardUID: a['dashboardUID'] } : {}),
      time: typeof a['time'] === 'number' ? a['time'] : 0,
      tags: Array.isArray(a['tags']) ? a['tags'].map(String) : [],
      text: typeof a['text'] === 'string' ? a['text'] : '',
    }))
    .filter(
      (a) =>
        query.tags.every((t) => a.tags.includes(t)) &&
        (query.dashboardUID === undefined ||
          a.dashboardUID === undefined ||
          a.dashboardUID === query.dashboardUID),
    );
}

/** Finds the dashboard by title, then annotates it: the whole action in one call. */
export async function annotateDashboard(
  connection: GrafanaConnection,
  input: { dashboard: string; time: number; tags: string[]; text: string },
  options: GrafanaCallOptions = {},
): Promise<{ id: number; dashboard: GrafanaDashboard }> {
  const dashboard = await findDashboard(connection, input.dashboard, options);
  const { id } = await createAnnotation(
    connection,
    { dashboardUID: dashboard.uid, time: input.time, tags: input.tags, text: input.text },
    options,
  );
  return { id, dashboard };
}
