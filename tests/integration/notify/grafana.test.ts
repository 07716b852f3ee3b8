import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppError } from '../../../src/main/core/errors';
import {
  annotateDashboard,
  createAnnotation,
  findAnnotations,
  findDashboard,
  runTag,
} from '../../../src/main/core/notify/grafana';
import { startSandbox, type Sandbox } from '../../../src/main/core/sandbox/index';
import { tempDir } from '../../support/temp';
import { appErrorOf } from '../../support/app-error';
import { closedPort } from '../../support/ports';

// The Grafana client against the sandbox's simulated Grafana, over real HTTP on 127.0.0.1.
process.env['GREENLIGHT_LOG'] = 'silent';
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(() => sandbox.close());

type GrafanaState = {
  integrations: {
    grafana: {
      annotations: { id: number; dashboard: string | null; tags: string[]; text: string }[];
      refused: number;
    };
  };
};
const grafanaState = async () =>
  ((await (await fetch(sandbox.controlUrl)).json()) as GrafanaState).integrations.grafana;

/** Whatever an error shows anywhere (message and detail), to look for a secret in. */
const shown = (e: AppError): string => JSON.stringify({ message: e.message, detail: e.detail });

describe('annotating a Grafana dashboard', () => {
  it('finds "Fixnado / Platform Health" as folder + title, annotates it, and finds the annotation by its run tag', async () => {
    const grafana = sandbox.integrations.grafana;
    const tags = ['greenlight', 'deploy', 'env:sandbox', 'version:1.5.1', runTag('run-annotate-1')];
    const r = await annotateDashboard(grafana, {
      dashboard: 'Fixnado / Platform Health',
      time: Date.now(),
      tags,
      text: 'Greenlight: 1.5.1 deployed to sandbox; deployment d-TEST',
    });
    expect(r.dashboard).toMatchObject({
      uid: 'fixnado-platform-health',
      title: 'Platform Health',
      folderTitle: 'Fixnado',
    });
    // Grafana's url carries its sub-path: the link is absolute and not doubled.
    expect(r.dashboard.url).toBe(`${grafana.url}/d/fixnado-platform-health/platform-health`);
    expect(r.id).toBeGreaterThan(0);

    const state = await grafanaState();
    expect(state.annotations.filter((a) => a.id === r.id)).toEqual([
      expect.objectContaining({ dashboard: 'Fixnado / Platform Health', tags }),
    ]);
    const found = await findAnnotations(grafana, {
      dashboardUID: 'fixnado-platform-health',
      tags: [runTag('run-annotate-1')],
    });
    expect(found.map((a) => a.id)).toEqual([r.id]);
    expect(await findAnnotations(grafana, { tags: [runTag('some-other-run')] })).toEqual([]);
  });

  it('finds a dashboard by its bare title too, whatever the case and spacing', async () => {
    const d = await findDashboard(sandbox.integrations.grafana, '  bookings   api ');
    expect(d).toMatchObject({ uid: 'fixnado-bookings-api', folderTitle: 'Fixnado' });
  });

  it('names what it searched and the nearest titles when no dashboard matches', async () => {
    const error = await appErrorOf(
      findDashboard(sandbox.integrations.grafana, 'Fixnado / Platfrom Health'),
    );
    expect(error.code).toBe('grafana-dashboard-not-found');
    expect(error.message).toContain('"Fixnado / Platfrom Health"');
    expect(error.message).toContain('query=Platfrom Health');
    expect(error.message).toMatch(/nearest: "Fixnado \/ Platform Health"/);
    expect(error.detail).toMatchObject({
      nearest: expect.arrayContaining(['Fixnado / Platform Health']),
    });
  });

  it('says the token is refused on a wrong token (401), annotates nothing, and never repeats the token', async () => {
    const wrong = {
      url: sandbox.integrations.grafana.url,
      token: 'glsa_wrongTokenValue_1234567890',
    };
    const before = await grafanaState();
    const error = await appErrorOf(
      annotateDashboard(wrong, {
        dashboard: 'Fixnado / Platform Health',
        time: Date.now(),
        tags: ['greenlight'],
        text: 'should never land',
      }),
    );
    expect(error.code).toBe('grafana-rejected');
    expect(error.message).toContain('refused the service-account token (HTTP 401');
    expect(error.detail).toMatchObject({ status: 401 });
    expect(shown(error)).not.toContain('glsa_wrongTokenValue_1234567890');
    expect(shown(error)).not.toContain(sandbox.integrations.grafana.token);
    const after = await grafanaState();
    expect(after.annotations).toHaveLength(before.annotations.length);
    expect(after.refused).toBe(before.refused + 1);
  });

  it("passes on Grafana's own short message for another refusal (an unknown dashboard uid)", async () => {
    const error = await appErrorOf(
      createAnnotation(sandbox.integrations.grafana, {
        dashboardUID: 'no-such-dashboard',
        time: Date.now(),
        tags: [],
        text: 'x',
      }),
    );
    expect(error.code).toBe('grafana-rejected');
    expect(error.message).toBe(
      `Grafana (${new URL(sandbox.integrations.grafana.url).host}) answered HTTP 400 to POST /api/annotations: Invalid dashboard UID in annotation request.`,
    );
  });

  it('reports an unreachable Grafana by host only, as retryable, without the token', async () => {
    const port = await closedPort();
    const token = 'glsa_tokenForAClosedPort_0987654321';
    const error = await appErrorOf(
      findDashboard(
        { url: `http://127.0.0.1:${port}/grafana`, token },
        'Fixnado / Platform Health',
      ),
    );
    expect(error.code).toBe('grafana-unreachable');
    expect(error.message).toBe(`Grafana (127.0.0.1:${port}) could not be reached: ECONNREFUSED.`);
    expect(error.detail).toEqual({ host: `127.0.0.1:${port}`, retryable: true });
    expect(shown(error)).not.toContain(token);
  });

  it('masks the token even when a Grafana (or a proxy in front of it) echoes it back', async () => {
    const echo = createHttpServer((req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ message: `upstream failed for ${req.headers.authorization ?? ''}` }),
      );
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const { port } = echo.address() as { port: number };
    const token = 'glsa_echoedBackByAProxy_5555555555';
    try {
      const error = await appErrorOf(
        findDashboard({ url: `http://127.0.0.1:${port}`, token }, 'Platform Health'),
      );
      expect(error.code).toBe('grafana-rejected');
      expect(error.message).toContain('HTTP 500');
      expect(error.message).toContain('Bearer ***');
      expect(shown(error)).not.toContain(token);
    } finally {
      echo.closeAllConnections();
      await new Promise<void>((r) => echo.close(() => r()));
    }
  });

  it('asks for the folder when two folders hold a dashboard of that title, and explains a 403 as a role without the right', async () => {
    // A Grafana with two "Platform Health" dashboards whose token may read but not annotate.
    const other = createHttpServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      res.writeHead(url.pathname === '/api/search' ? 200 : 403, {
        'content-type': 'application/json',
      });
      res.end(
        url.pathname === '/api/search'
          ? JSON.stringify([
              { uid: 'a', title: 'Platform Health', folderTitle: 'Fixnado', url: '//elsewhere/x' },
              { uid: 'b', title: 'Platform Health', folderTitle: 'Payments' },
            ])
          : JSON.stringify({ message: 'You do not have permission' }),
      );
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const { port } = other.address() as { port: number };
    const grafana = { url: `http://127.0.0.1:${port}`, token: 'glsa_readOnlyToken_000' };
    try {
      const ambiguous = await appErrorOf(findDashboard(grafana, 'Platform Health'));
      expect(ambiguous.code).toBe('grafana-dashboard-ambiguous');
      expect(ambiguous.message).toContain(
        '"Fixnado / Platform Health", "Payments / Platform Health"',
      );
      const found = await findDashboard(grafana, 'Payments / Platform Health');
      expect(found.uid).toBe('b');
      // A protocol-relative link from Grafana is not turned into a link to another host.
      expect((await findDashboard(grafana, 'Fixnado / Platform Health')).url).toBeUndefined();
      const forbidden = await appErrorOf(
        createAnnotation(grafana, { dashboardUID: 'b', time: 1, tags: [], text: 'x' }),
      );
      expect(forbidden.code).toBe('grafana-rejected');
      expect(forbidden.message).toContain('HTTP 403: You do not have permission');
      expect(forbidden.message).toContain('may not write annotations');
      expect(shown(forbidden)).not.toContain(grafana.token);
    } finally {
      other.closeAllConnections();
      await new Promise<void>((r) => other.close(() => r()));
    }
  });

  it('refuses a Grafana URL that is not http(s) before sending anything', async () => {
    await expect(
      findDashboard({ url: 'file:///etc/grafana', token: 't0ken' }, 'x'),
    ).rejects.toMatchObject({ code: 'grafana-url-invalid' });
  });

  it('keeps what it received across a restart of the sandbox (its state file), as a real Grafana would', async () => {
    const dir = tempDir('gl-grafana-state-');
    try {
      const stateFile = join(dir.path, 'sandbox-state.json');
      const first = await startSandbox({ stateFile });
      const made = await annotateDashboard(first.integrations.grafana, {
        dashboard: 'Fixnado / Platform Health',
        time: Date.now(),
        tags: [runTag('run-kept')],
        text: 'kept',
      });
      await first.close();
      const second = await startSandbox({ stateFile });
      try {
        const found = await findAnnotations(second.integrations.grafana, {
          tags: [runTag('run-kept')],
        });
        expect(found.map((a) => a.id)).toEqual([made.id]);
      } finally {
        await second.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});
