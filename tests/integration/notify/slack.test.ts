import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToSlack } from '../../../src/main/core/notify/slack';
import { startSandbox, type Sandbox } from '../../../src/main/core/sandbox/index';
import { appErrorOf } from '../../support/app-error';
import { closedPort } from '../../support/ports';

// postToSlack against the sandbox's simulated Slack incoming webhook, over real HTTP on 127.0.0.1.
process.env['GREENLIGHT_LOG'] = 'silent';
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(() => sandbox.close());

type SlackState = { integrations: { slack: { messages: { text: string }[] } } };
const posted = async (): Promise<string[]> =>
  ((await (await fetch(sandbox.controlUrl)).json()) as SlackState).integrations.slack.messages.map(
    (m) => m.text,
  );

describe('posting to a Slack incoming webhook', () => {
  it('posts the text; the sandbox shows what it received', async () => {
    const r = await postToSlack(
      sandbox.integrations.slackWebhookUrl,
      '*Fixnado backend 1.5.1* → *sandbox*',
    );
    expect(r).toEqual({ sent: true, status: 200, body: 'ok' });
    expect(await posted()).toContain('*Fixnado backend 1.5.1* → *sandbox*');
  });

  it("refuses with Slack's own answer when the webhook is unknown, without repeating the webhook's secret path", async () => {
    const wrong = sandbox.integrations.slackWebhookUrl.replace(/[^/]+$/, 'revokedWebhookSecret99');
    const error = await appErrorOf(postToSlack(wrong, 'hello'));
    expect(error.code).toBe('slack-rejected');
    expect(error.message).toContain('HTTP 404 no_service');
    expect(error.detail).toMatchObject({ status: 404 });
    expect(JSON.stringify({ m: error.message, d: error.detail })).not.toContain(
      'revokedWebhookSecret99',
    );
  });

  it('reports an unreachable Slack by host only, as retryable', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/services/T0/B0/secretPartOfTheWebhook`;
    const error = await appErrorOf(postToSlack(url, 'hello'));
    expect(error.code).toBe('slack-unreachable');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.detail).toEqual({ host: `127.0.0.1:${port}`, retryable: true });
    expect(JSON.stringify({ m: error.message, d: error.detail })).not.toContain(
      'secretPartOfTheWebhook',
    );
  });

  it('refuses a webhook that is not an http(s) URL before sending anything', async () => {
    await expect(postToSlack('not a url', 'x')).rejects.toMatchObject({
      code: 'slack-webhook-invalid',
    });
    await expect(postToSlack('ftp://127.0.0.1/hook', 'x')).rejects.toMatchObject({
      code: 'slack-webhook-invalid',
    });
  });

  it('gives up when Slack does not answer in time, and when the operator cancels', async () => {
    const { createServer: createHttpServer } = await import('node:http');
    const silent = createHttpServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const url = `http://127.0.0.1:${port}/services/T0/B0/X`;
      await expect(postToSlack(url, 'x', { timeoutMs: 200 })).rejects.toMatchObject({
        code: 'slack-unreachable',
        message: expect.stringContaining('TimeoutError'),
      });
      const cancel = new AbortController();
      const pending = postToSlack(url, 'x', { signal: cancel.signal });
      cancel.abort();
      await expect(pending).rejects.toMatchObject({ code: 'slack-unreachable' });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
