import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from './engine';
import type { IntegrationsSnapshot } from './integrations';
import { isScenarioName, scenarioNames, scenarioSummaries, type ScenarioName } from './scenarios';
import { activeStatuses } from './state';

export type ControlDeps = {
  engine: Engine;
  urls: () => { endpoint: string; productionUrl: string; validationUrl: string };
  setScenario(name: ScenarioName): Promise<void>;
  /** Re-arms the transition timer after the clock jumped. */
  reschedule(): void;
  /** The simulated Slack and Grafana: where they are and what they received. */
  integrations?: () => IntegrationsSnapshot;
};

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function invalid(res: ServerResponse, message: string): void {
  reply(res, 400, { error: { code: 'invalid_request', message } });
}

/**
 * What GET /_sandbox shows: scenario, clock, fleet routing, alarms, the deployments (newest first), and what the
 * simulated Slack and Grafana received.
 */
export function controlSnapshot(deps: ControlDeps) {
  const { engine } = deps;
  engine.advance();
  const s = engine.state;
  const now = engine.clock.now();
  return {
    scenario: s.scenario,
    scenarios: scenarioNames.map((name) => ({ name, summary: scenarioSummaries[name] })),
    clock: { now, iso: new Date(now).toISOString(), timeScale: engine.clock.timeScale },
    ...deps.urls(),
    service: {
      taskDefinition: s.service.taskDefinitionArn,
      greenTaskDefinition: s.service.green?.taskDefinitionArn,
      validationServesGreen: s.service.green !== undefined && s.service.testRoutesGreen,
      productionGreenWeight: s.service.green === undefined ? 0 : s.service.prodWeightGreen,
    },
    alarms: s.alarms,
    deployments: [...s.deployments]
      .sort((a, b) => b.createTime - a.createTime)
      .map((d) => ({
        id: d.id,
        status: d.status,
        creator: d.creator,
        stage: d.stage,
        event: d.stage === 'event' ? d.events[d.eventIndex]?.name : undefined,
        active: activeStatuses.includes(d.status),
        taskDefinition: d.taskDefinitionArn,
        createTime: new Date(d.createTime).toISOString(),
      })),
    ...(deps.integrations === undefined ? {} : { integrations: deps.integrations() }),
  };
}

/**
 * The control endpoint (JSON, on the AWS endpoint under /_sandbox). GET: the snapshot. POST with any of
 * `{scenario}`, `{alarm: {name, state, reason?}}`, `{advanceMs}`: applies them (all validated first) and
 * answers the new snapshot.
 */
export async function handleControl(
  deps: ControlDeps,
  req: IncomingMessage,
  res: ServerResponse,
  raw: Buffer,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/$/, '');
  if (path !== '/_sandbox') {
    reply(res, 404, {
      error: { code: 'not_found', message: `No control route ${path}; use GET or POST /_sandbox.` },
    });
    return;
  }
  if (req.method === 'GET') {
    reply(res, 200, controlSnapshot(deps));
    return;
  }
  if (req.method !== 'POST') {
    reply(res, 405, {
      error: { code: 'method_not_allowed', message: 'Use GET or POST /_sandbox.' },
    });
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8') || '{}');
  } catch {
    invalid(res, 'The body is not valid JSON.');
    return;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    invalid(res, 'The body must be a JSON object such as {"scenario": "smoke-fails"}.');
    return;
  }
  const input = body as Record<string, unknown>;
  const known = ['scenario', 'alarm', 'advanceMs'];
  const unknown = Object.keys(input).find((k) => !known.includes(k));
  if (unknown !== undefined) {
    invalid(res, `Unknown field '${unknown}'; expected any of ${known.join(', ')}.`);
    return;
  }
  const { scenario, alarm, advanceMs } = input;
  if (scenario !== undefined && !isScenarioName(scenario)) {
    invalid(res, `'scenario' must be one of ${scenarioNames.join(', ')}.`);
    return;
  }
  if (
    advanceMs !== undefined &&
    (typeof advanceMs !== 'number' || !Number.isFinite(advanceMs) || advanceMs < 0)
  ) {
    invalid(res, "'advanceMs' must be a non-negative number of sandbox milliseconds.");
    return;
  }
  let alarmChange:
    { name: string; state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'; reason: string } | undefined;
  if (alarm !== undefined) {
    const a = alarm as Record<string, unknown> | null;
    const states = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
    if (
      a === null ||
      typeof a !== 'object' ||
      typeof a['name'] !== 'string' ||
      !(a['name'] in deps.engine.state.alarms)
    ) {
      invalid(
        res,
        `'alarm.name' must be one of ${Object.keys(deps.engine.state.alarms).join(', ')}.`,
      );
      return;
    }
    if (typeof a['state'] !== 'string' || !states.includes(a['state'])) {
      invalid(res, `'alarm.state' must be one of ${states.join(', ')}.`);
      return;
    }
    alarmChange = {
      name: a['name'],
      state: a['state'] as 'OK' | 'ALARM' | 'INSUFFICIENT_DATA',
      reason:
        typeof a['reason'] === 'string'
          ? a['reason']
          : `Set to ${a['state']} through the sandbox control endpoint.`,
    };
  }
  const { engine } = deps;
  engine.advance();
  if (typeof advanceMs === 'number' && advanceMs > 0) {
    engine.clock.advance(advanceMs);
    engine.advance();
    deps.reschedule();
  }
  if (alarmChange !== undefined) {
    engine.setAlarm(alarmChange.name, alarmChange.state, alarmChange.reason, engine.clock.now());
  }
  if (scenario !== undefined) await deps.setScenario(scenario);
  reply(res, 200, controlSnapshot(deps));
}
