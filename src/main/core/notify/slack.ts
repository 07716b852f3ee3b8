import { AppError } from '../errors';

export type SlackPost = { sent: boolean; status: number; body: string };

/**
 * Posts a message to a Slack incoming webhook (`{"text": ...}`). The webhook URL is a secret (anyone holding it
 * can post): it is never logged nor journaled; errors name the host only. A non-2xx answer is an AppError
 * `slack-rejected` carrying Slack's own short answer (`invalid_payload`, `no_service`, ...).
 */
export async function postToSlack(
  webhookUrl: string,
  text: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<SlackPost> {
  let url: URL;
  try {
    url = new URL(webhookUrl);
  } catch {
    throw new AppError(
      'slack-webhook-invalid',
      'The Slack webhook is not a valid URL (check the environment integration).',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AppError(
      'slack-webhook-invalid',
      `The Slack webhook must be an https URL, not ${url.protocol}`,
    );
  }
  const signals = [
    AbortSignal.timeout(options.timeoutMs ?? 10_000),
    ...(options.signal ? [options.signal] : []),
  ];
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.any(signals),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new AppError('slack-unreachable', `Slack (${url.host}) could not be reached: ${cause}.`, {
      host: url.host,
      retryable: true,
    });
  }
  const body = (await response.text()).slice(0, 200);
  if (!response.ok) {
    throw new AppError(
      'slack-rejected',
      `Slack (${url.host}) refused the message: HTTP ${response.status} ${body}`.trim(),
      {
        host: url.host,
        status: response.status,
      },
    );
  }
  return { sent: true, status: response.status, body };
}
