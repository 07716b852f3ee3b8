import type { JournalEntry } from '../evidence/types';
import type { JournalEntryView } from '../../../shared/domain/run';

const rec = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const s = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);

/** One line for the evidence timeline, from an entry's kind and payload. */
export function summarizeEntry(
  entry: Pick<JournalEntry, 'kind' | 'stepId' | 'actor' | 'payload'>,
): string {
  const p = rec(entry.payload);
  const step = entry.stepId === null ? '' : `${entry.stepId}: `;
  switch (entry.kind) {
    case 'run-created':
      return `Run created: ${s(p['environment'])} ${s(p['version'])} by ${entry.actor} (runbook ${s(rec(p['runbook'])['hash']).slice(0, 19)}…)`;
    case 'step-state': {
      const detail = rec(p['detail']);
      return `${step}${s(p['state'])}${detail['summary'] ? ` — ${s(detail['summary'])}` : ''}`;
    }
    case 'intent':
      return `${step}about to call ${s(p['action'])}`;
    case 'outcome': {
      const error = rec(p['error']);
      return `${step}${s(p['action'])} ${s(p['status'])}${error['code'] ? ` (${s(error['code'])})` : ''}${p['note'] ? ` — ${s(p['note'])}` : ''}`;
    }
    case 'observation': {
      const data = rec(p['data']);
      const subject = s(p['subject']);
      if (subject === 'deployment') {
        const d = rec(data['deployment']);
        const changes = Array.isArray(data['changes'])
          ? (data['changes'] as unknown[]).map(s).join('; ')
          : '';
        return `${s(data['role'])} deployment ${s(d['deploymentId'])}: ${changes || s(d['status'])}`;
      }
      if (subject === 'engine-attached')
        return `Greenlight life ${s(data['life'])} (pid ${s(data['pid'])}, ${s(data['reason'])})`;
      if (subject === 'run-outcome')
        return `Outcome: ${s(data['outcome'])} — ${s(data['summary'])}`;
      if (subject === 'rollback-requested')
        return `Rollback requested by ${entry.actor}: ${s(data['reason'])}`;
      if (subject === 'reconciled')
        return `${step}reconciled ${s(data['action'])}: ${s(data['result'])}`;
      return `${step}${subject}${data['message'] ? `: ${s(data['message'])}` : ''}`;
    }
    case 'attestation':
      return `${step}attested by ${entry.actor}${p['rehearsal'] === true ? ' (rehearsal)' : ''}: ${s(p['statement'])}`;
    case 'override':
      return `${step}overridden by ${entry.actor}: ${s(p['reason'])}`;
    case 'artifact':
    case 'attachment':
      return `${step}${entry.kind} ${s(p['name'])} (${s(p['size'])} bytes)`;
    case 'run-finished':
      return `Run finished: ${s(p['outcome'])}${p['summary'] ? ` — ${s(p['summary'])}` : ''}`;
    default:
      return entry.kind;
  }
}

/** The contract's view of a journal entry. */
export function toEntryView(entry: JournalEntry): JournalEntryView {
  const p = rec(entry.payload);
  const shas =
    typeof p['sha256'] === 'string'
      ? [p['sha256']]
      : Array.isArray(p['attachments'])
        ? (p['attachments'] as unknown[]).filter((x): x is string => typeof x === 'string')
        : [];
  return {
    seq: entry.seq,
    time: entry.time,
    kind: entry.kind,
    ...(entry.stepId === null ? {} : { stepId: entry.stepId }),
    actor: entry.actor,
    summary: summarizeEntry(entry),
    payload: entry.payload,
    hash: entry.hash,
    prevHash: entry.prevHash,
    artifactSha256s: shas,
  };
}
