import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '../log';
import { listen } from './fleet';
import { readBody } from './wire';

/**
 * The sandbox's Grafana service-account token: a published fake, like the sandbox's AWS credentials. Grafana's
 * own tokens start with `glsa_`. Any other bearer token is answered 401, as Grafana answers an unknown key.
 */
export const SANDBOX_GRAFANA_TOKEN = 'glsa_sandboxNotARealToken0000000000_5a4e6b0c';

/** The path of the sandbox's Slack incoming webhook (Slack's are `/services/T.../B.../<secret>`). */
export const SANDBOX_SLACK_PATH = '/slack/services/T0SANDBOX/B0SANDBOX/sandboxWebhookNotReal00';

/** The dashboards the simulated Grafana holds: the playbook's "Fixnado / Platform Health" and two neighbours. */
export const sandboxDashboards = [
  {
    id: 11,
    uid: 'fixnado-platform-health',
    title: 'Platform Health',
    folderId: 3,
    folderUid: 'fixnado',
    folderTitle: 'Fixnado',
    tags: ['fixnado', 'platform'],
  },
  {
    id: 12,
    uid: 'fixnado-bookings-api',
    title: 'Bookings API',
    folderId: 3,
    folderUid: 'fixnado',
    folderTitle: 'Fixnado',
    tags: ['fixnado', 'api'],
  },
  {
    id: 21,
    uid: 'infra-node-exporter',
    title: 'Node Exporter Full',
    folderId: 4,
    folderUid: 'infrastructure',
    folderTitle: 'Infrastructure',
    tags: ['linux'],
  },
] as const;

export type SlackMessageRecord = { receivedAt: string; text: string };

export type AnnotationRecord = {
  id: number;
  dashboardUID: string | null;
  dashboardId: number;
  panelId: number;
  time: number;
  timeEnd: number;
  tags: string[];
  text: string;
  created: number;
};

/** What the simulated Slack and Grafana received; kept in the sandbox state (and its file, when it has one). */
export type IntegrationsState = {
  slackMessages: SlackMessageRecord[];
  annotations: AnnotationRecord[];
};

export function emptyIntegrationsState(): IntegrationsState {
  return { slackMessages: [], annotations: [] };
}

/** What GET /_sandbox shows of the integrations: where they are and everything they received. */
export type IntegrationsSnapshot = {
  slack: { webhookUrl: string; messages: SlackMessageRecord[] };
  grafana: {
    url: string;
    token: string;
    dashboards: string[];
    annotations: (AnnotationRecord & { dashboard: string | null })[];
    /** Requests answered 401 (a wrong or missing token). */
    refused: number;
  };
};

export type SandboxIntegrations = {
  slackWebhookUrl: string;
  grafanaUrl: string;
  snapshot(): IntegrationsSnapshot;
  close(): Promise<void>;
};

export type IntegrationsDeps = {
  log: Logger;
  /** The state to record into (created on first use in a state file from before integrations existed). */
  state(): IntegrationsState;
  /** Something was recorded: persist. */
  changed(): void;
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const qualified = (d: { folderTitle: string; title: string }): string =>
  `${d.folderTitle} / ${d.title}`;

function slugOf(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function isBearer(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (m?.[1] === undefined) return false;
  const given = Buffer.from(m[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Starts the simulated Slack incoming webhook and Grafana HTTP API on one loopback listener, apart from the AWS
 * endpoint (whose router speaks only AWS's protocols):
 * - `POST /slack/services/T0SANDBOX/B0SANDBOX/<secret>` with `{"text": ...}` answers `ok` as Slack does (400
 *   `invalid_payload` / `no_text`, 404 `no_service` for any other webhook path);
 * - Grafana under `/grafana` (a sub-path, as Grafana is often served): `GET /api/search` (type, query, limit),
 *   `POST /api/annotations` answering `{id, message}`, `GET /api/annotations` (dashboardUID, tags, limit),
 *   each with `Authorization: Bearer <SANDBOX_GRAFANA_TOKEN>` (401 otherwise); `GET /api/health` without one.
 */
export async function startIntegrations(deps: IntegrationsDeps): Promise<SandboxIntegrations> {
  let refused = 0;

  function slack(req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer): void {
    if (path !== SANDBOX_SLACK_PATH) {
      sendText(res, 404, 'no_service');
      return;
    }
    if (req.method !== 'POST') {
      sendText(res, 405, 'invalid_method');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      sendText(res, 400, 'invalid_payload');
      return;
    }
    const text = (body as { text?: unknown } | null)?.text;
    if (typeof text !== 'string' || text.trim() === '') {
      sendText(res, 400, 'no_text');
      return;
    }
    deps.state().slackMessages.push({ receivedAt: new Date().toISOString(), text });
    deps.changed();
    sendText(res, 200, 'ok');
  }

  function search(res: ServerResponse, url: URL): void {
    const type = url.searchParams.get('type');
    const query = (url.searchParams.get('query') ?? '').toLowerCase();
    const limit = Number(url.searchParams.get('limit') ?? 1000) || 1000;
    const hits: Record<string, unknown>[] = [];
    if (type === null || type === 'dash-folder') {
      const folders = new Map(sandboxDashboards.map((d) => [d.folderUid, d]));
      for (const f of folders.values()) {
        if (!f.folderTitle.toLowerCase().includes(query)) continue;
        hits.push({
          id: f.folderId,
          uid: f.folderUid,
          orgId: 1,
          title: f.folderTitle,
          uri: `db/${slugOf(f.folderTitle)}`,
          url: `/grafana/dashboards/f/${f.folderUid}/${slugOf(f.folderTitle)}`,
          slug: '',
          type: 'dash-folder',
          tags: [],
          isStarred: false,
          sortMeta: 0,
        });
      }
    }
    if (type === null || type === 'dash-db') {
      // Grafana's search matches the query against dashboard titles, not folder titles.
      for (const d of sandboxDashboards) {
        if (!d.title.toLowerCase().includes(query)) continue;
        hits.push({
          id: d.id,
          uid: d.uid,
          orgId: 1,
          title: d.title,
          uri: `db/${slugOf(d.title)}`,
          url: `/grafana/d/${d.uid}/${slugOf(d.title)}`,
          slug: '',
          type: 'dash-db',
          tags: d.tags,
          isStarred: false,
          folderId: d.folderId,
          folderUid: d.folderUid,
          folderTitle: d.folderTitle,
          folderUrl: `/grafana/dashboards/f/${d.folderUid}/${slugOf(d.folderTitle)}`,
          sortMeta: 0,
        });
      }
    }
    sendJson(res, 200, hits.slice(0, limit));
  }

  function createAnnotation(res: ServerResponse, raw: Buffer): void {
    let body: Record<string, unknown>;
    try {
      const parsed = JSON.parse(raw.toString('utf8')) as unknown;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error();
      body = parsed as Record<string, unknown>;
    } catch {
      sendJson(res, 400, { message: 'bad request data' });
      return;
    }
    const text = body['text'];
    if (typeof text !== 'string' || text === '') {
      sendJson(res, 400, { message: 'Failed to save annotation' });
      return;
    }
    const uid = body['dashboardUID'];
    const dashboard =
      typeof uid === 'string' && uid !== ''
        ? sandboxDashboards.find((d) => d.uid === uid)
        : undefined;
    if (typeof uid === 'string' && uid !== '' && dashboard === undefined) {
      sendJson(res, 400, { message: 'Invalid dashboard UID in annotation request' });
      return;
    }
    const state = deps.state();
    const now = Date.now();
    const time = typeof body['time'] === 'number' && body['time'] > 0 ? body['time'] : now;
    const record: AnnotationRecord = {
      id: state.annotations.reduce((max, a) => Math.max(max, a.id), 0) + 1,
      dashboardUID: dashboard?.uid ?? null,
      dashboardId: dashboard?.id ?? 0,
      panelId: typeof body['panelId'] === 'number' ? body['panelId'] : 0,
      time,
      timeEnd: typeof body['timeEnd'] === 'number' ? body['timeEnd'] : time,
      tags: Array.isArray(body['tags']) ? body['tags'].map(String) : [],
      text,
      created: now,
    };
    state.annotations.push(record);
    deps.changed();
    sendJson(res, 200, { message: 'Annotation added', id: record.id });
  }

  function listAnnotations(res: ServerResponse, url: URL): void {
    const p = url.searchParams;
    const tags = p.getAll('tags');
    const matchAny = p.get('matchAny') === 'true';
    const uid = p.get('dashboardUID');
    const from = Number(p.get('from') ?? NaN);
    const to = Number(p.get('to') ?? NaN);
    const limit = Number(p.get('limit') ?? 100) || 100;
    const found = deps
      .state()
      .annotations.filter(
        (a) =>
          (uid === null || a.dashboardUID === uid) &&
          (tags.length === 0 ||
            (matchAny
              ? tags.some((t) => a.tags.includes(t))
              : tags.every((t) => a.tags.includes(t)))) &&
          (Number.isNaN(from) || a.timeEnd >= from) &&
          (Number.isNaN(to) || a.time <= to),
      )
      .sort((a, b) => b.time - a.time || b.id - a.id)
      .slice(0, limit)
      .map((a) => ({
        id: a.id,
        alertId: 0,
        alertName: '',
        dashboardId: a.dashboardId,
        dashboardUID: a.dashboardUID,
        panelId: a.panelId,
        userId: 1,
        newState: '',
        prevState: '',
        created: a.created,
        updated: a.created,
        time: a.time,
        timeEnd: a.timeEnd,
        text: a.text,
        tags: a.tags,
        login: 'greenlight-sandbox',
        email: '',
        avatarUrl: '',
        data: {},
      }));
    sendJson(res, 200, found);
  }

  function grafana(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): void {
    const path = url.pathname.slice('/grafana'.length).replace(/\/+$/, '');
    if (req.method === 'GET' && path === '/api/health') {
      sendJson(res, 200, { database: 'ok', version: 'sandbox' });
      return;
    }
    if (!isBearer(req.headers['authorization'], SANDBOX_GRAFANA_TOKEN)) {
      refused += 1;
      sendJson(res, 401, {
        message: req.headers['authorization'] === undefined ? 'Unauthorized' : 'Invalid API key',
        messageId: 'auth.unauthorized',
        statusCode: 401,
      });
      return;
    }
    if (req.method === 'GET' && path === '/api/search') return search(res, url);
    if (req.method === 'POST' && path === '/api/annotations') return createAnnotation(res, raw);
    if (req.method === 'GET' && path === '/api/annotations') return listAnnotations(res, url);
    sendJson(res, 404, { message: 'Not found' });
  }

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (raw === undefined) {
        sendText(res, 413, 'request_too_large');
        return;
      }
      if (url.pathname.startsWith('/slack/')) slack(req, res, url.pathname, raw);
      else if (url.pathname === '/grafana' || url.pathname.startsWith('/grafana/'))
        grafana(req, res, url, raw);
      else
        sendText(res, 404, 'Not found: /slack/services/... (Slack) or /grafana/api/... (Grafana).');
    })().catch((error: unknown) => {
      deps.log.error('internal error in the simulated Slack/Grafana', {
        error: error instanceof Error ? error.message : String(error),
      });
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, 0);
  const base = `http://127.0.0.1:${port}`;
  const slackWebhookUrl = `${base}${SANDBOX_SLACK_PATH}`;
  const grafanaUrl = `${base}/grafana`;

  return {
    slackWebhookUrl,
    grafanaUrl,
    snapshot() {
      const state = deps.state();
      return {
        slack: { webhookUrl: slackWebhookUrl, messages: [...state.slackMessages] },
        grafana: {
          url: grafanaUrl,
          token: SANDBOX_GRAFANA_TOKEN,
          dashboards: sandboxDashboards.map(qualified),
          annotations: state.annotations.map((a) => {
            const d = sandboxDashboards.find((x) => x.uid === a.dashboardUID);
            return { ...a, dashboard: d === undefined ? null : qualified(d) };
          }),
          refused,
        },
      };
    },
    close() {
      return new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
