import type { JournalEntry, JsonValue, Run } from '../evidence/types';

/** What the export gathers from the journal for the human record (small: per step, per action, per file). */
export type RecordFacts = {
  run: Run;
  outcome: string | null;
  summary: string | null;
  steps: Map<string, { state: string; time: string; seq: number }>;
  overrides: { time: string; stepId: string | null; actor: string; reason: string; seq: number }[];
  attestations: {
    time: string;
    stepId: string | null;
    actor: string;
    statement: string;
    note?: string;
    link?: string;
    files: string[];
    rehearsal: boolean;
    seq: number;
  }[];
  actions: {
    intentSeq: number;
    time: string;
    stepId: string | null;
    action: string;
    outcome?: { status: string; time: string; requestId?: string; error?: string; seq: number };
  }[];
  files: { path: string; sha256: string; size: number; role: string; seq: number | null }[];
  entries: number;
  head: string;
  redactedEntries: number;
  exportedAt: string;
  greenlightVersion: string;
};

type Obj = { [key: string]: JsonValue };
const asObj = (value: JsonValue): Obj =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
const str = (value: JsonValue | undefined): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** Updates the facts with one entry (called in journal order while the journal is exported). */
export function collectFacts(
  facts: RecordFacts,
  entry: JournalEntry,
  pathOfSha: (sha: string) => string | undefined,
): void {
  const p = asObj(entry.payload);
  if (entry.redactions.length > 0) facts.redactedEntries += 1;
  switch (entry.kind) {
    case 'step-state':
      if (entry.stepId !== null)
        facts.steps.set(entry.stepId, {
          state: str(p['state']) ?? '?',
          time: entry.time,
          seq: entry.seq,
        });
      break;
    case 'override':
      facts.overrides.push({
        time: entry.time,
        stepId: entry.stepId,
        actor: entry.actor,
        reason: str(p['reason']) ?? '',
        seq: entry.seq,
      });
      break;
    case 'attestation': {
      const shas = Array.isArray(p['attachments'])
        ? p['attachments'].filter((s): s is string => typeof s === 'string')
        : [];
      facts.attestations.push({
        time: entry.time,
        stepId: entry.stepId,
        actor: entry.actor,
        statement: str(p['statement']) ?? '',
        note: str(p['note']),
        link: str(p['link']),
        files: shas.map((sha) => pathOfSha(sha) ?? sha),
        rehearsal: p['rehearsal'] === true,
        seq: entry.seq,
      });
      break;
    }
    case 'intent':
      facts.actions.push({
        intentSeq: entry.seq,
        time: entry.time,
        stepId: entry.stepId,
        action: str(p['action']) ?? '?',
      });
      break;
    case 'outcome': {
      const action = facts.actions.find((a) => a.intentSeq === p['intentSeq']);
      if (action !== undefined) {
        const response = asObj(p['response'] ?? null);
        const metadata = asObj(response['$metadata'] ?? null);
        const error = asObj(p['error'] ?? null);
        action.outcome = {
          status: str(p['status']) ?? '?',
          time: entry.time,
          requestId: str(metadata['requestId']) ?? str(error['requestId']),
          error: str(error['message']),
          seq: entry.seq,
        };
      }
      break;
    }
    case 'run-finished':
      facts.outcome = str(p['outcome']) ?? null;
      facts.summary = str(p['summary']) ?? null;
      break;
    default:
      break;
  }
}

function cell(value: string | undefined | null, max = 160): string {
  if (value === undefined || value === null || value === '') return '—';
  const flat = value.replace(/\s+/g, ' ').trim();
  const cut = flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
  return cut.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;');
}

function link(path: string): string {
  return `[${cell(path)}](${path.split('/').map(encodeURIComponent).join('/')})`;
}

/** The record's head: everything except the timeline. */
export function renderRecordHead(f: RecordFacts): string {
  const r = f.run;
  const operator =
    r.operator.arn !== undefined ? `${r.operator.name} (${r.operator.arn})` : r.operator.name;
  const lines: string[] = [
    `# Release record: ${cell(r.environment)} ${cell(r.version)}`,
    '',
    '| | |',
    '|---|---|',
    `| Run | \`${r.id}\` |`,
    `| Environment | ${cell(r.environment)} |`,
    `| Version | ${cell(r.version)} |`,
    `| Outcome | ${cell(f.outcome ?? 'in progress (not finished when exported)')} |`,
    ...(f.summary !== null ? [`| Summary | ${cell(f.summary, 500)} |`] : []),
    `| Operator | ${cell(operator)} |`,
    `| Runbook | ${cell(r.runbook.id)} (${cell(r.runbook.hash)}) |`,
    `| Started | ${r.startedAt} |`,
    `| Ended | ${r.endedAt ?? '—'} |`,
    `| Journal | ${f.entries} entries, chain head \`${f.head}\` |`,
    `| Redactions | ${f.redactedEntries === 0 ? 'none' : `${f.redactedEntries} entries had secret-shaped data removed (see each entry's \`redactions\`)`} |`,
    `| Exported | ${f.exportedAt} by Greenlight ${cell(f.greenlightVersion)} |`,
    '',
    '## Steps',
    '',
  ];
  if (f.steps.size === 0) lines.push('No step states were recorded.');
  else {
    lines.push('| Step | Final state | Since | Entry |', '|---|---|---|---|');
    for (const [step, s] of f.steps)
      lines.push(`| ${cell(step)} | ${cell(s.state)} | ${s.time} | #${s.seq} |`);
  }
  lines.push('', '## Overrides', '');
  if (f.overrides.length === 0) lines.push('None.');
  for (const o of f.overrides) {
    lines.push(
      `- ${o.time}, step ${cell(o.stepId)}, by ${cell(o.actor)}: ${cell(o.reason, 2000)} (entry #${o.seq})`,
    );
  }
  lines.push('', '## Attestations', '');
  if (f.attestations.length === 0) lines.push('None.');
  for (const a of f.attestations) {
    const parts = [
      `- ${a.time}, step ${cell(a.stepId)}, by ${cell(a.actor)}: ${cell(a.statement, 500)}`,
    ];
    if (a.rehearsal) parts.push(' **(rehearsal)**');
    if (a.note !== undefined) parts.push(` — ${cell(a.note, 1000)}`);
    if (a.link !== undefined) parts.push(` — <${cell(a.link, 500)}>`);
    if (a.files.length > 0) parts.push(` — ${a.files.map(link).join(', ')}`);
    parts.push(` (entry #${a.seq})`);
    lines.push(parts.join(''));
  }
  lines.push('', '## Actions', '');
  if (f.actions.length === 0) lines.push('None.');
  else {
    lines.push(
      '| Time | Step | Action | Outcome | Request id | Entries |',
      '|---|---|---|---|---|---|',
    );
    for (const a of f.actions) {
      const outcome =
        a.outcome === undefined
          ? '**no outcome recorded**'
          : a.outcome.error !== undefined
            ? `${a.outcome.status}: ${cell(a.outcome.error)}`
            : a.outcome.status;
      const entries =
        a.outcome === undefined ? `#${a.intentSeq}` : `#${a.intentSeq}, #${a.outcome.seq}`;
      lines.push(
        `| ${a.time} | ${cell(a.stepId)} | ${cell(a.action)} | ${outcome} | ${cell(a.outcome?.requestId)} | ${entries} |`,
      );
    }
  }
  lines.push('', '## Evidence files', '');
  const evidence = f.files.filter((file) => file.role === 'artifact' || file.role === 'attachment');
  if (evidence.length === 0) lines.push('None.');
  else {
    lines.push('| File | Kind | Size | SHA-256 | Entry |', '|---|---|---|---|---|');
    for (const file of evidence) {
      lines.push(
        `| ${link(file.path)} | ${file.role} | ${file.size} | \`${file.sha256}\` | ${file.seq === null ? '—' : `#${file.seq}`} |`,
      );
    }
  }
  lines.push(
    '',
    '## How to verify',
    '',
    'Every file is listed with its SHA-256 in `manifest.json` and `SHA256SUMS`. In this folder:',
    '',
    '```',
    'sha256sum -c SHA256SUMS        # every file is as exported',
    'greenlight verify .             # the same, plus the journal hash chain and the manifest',
    '```',
    '',
    'Each line of `journal.jsonl` is an entry in RFC 8785 canonical JSON. Its `hash` is the SHA-256 of the same',
    "canonical JSON without the `hash` member, and its `prevHash` is the previous line's `hash` (64 zeros on the",
    `first line). The last line's hash, \`${f.head}\`, is the chain head quoted in the manifest.`,
    '',
    '## Timeline',
    '',
    '| # | Time | Kind | Step | Actor | What |',
    '|---|---|---|---|---|---|',
  );
  return lines.join('\n') + '\n';
}

/** One timeline row. */
export function renderTimelineRow(entry: JournalEntry): string {
  const p = asObj(entry.payload);
  let what: string | undefined;
  switch (entry.kind) {
    case 'run-created':
      what = `run started: ${str(p['environment']) ?? ''} ${str(p['version']) ?? ''}`;
      break;
    case 'intent':
      what = `about to ${str(p['action']) ?? '?'}`;
      break;
    case 'outcome':
      what = `${str(p['action']) ?? '?'}: ${str(p['status']) ?? '?'}${str(asObj(p['error'] ?? null)['message']) !== undefined ? ` (${str(asObj(p['error'] ?? null)['message'])})` : ''}`;
      break;
    case 'observation':
      what = str(p['subject']);
      break;
    case 'attestation':
      what = `${p['rehearsal'] === true ? '(rehearsal) ' : ''}${str(p['statement']) ?? ''}`;
      break;
    case 'override':
      what = `override: ${str(p['reason']) ?? ''}`;
      break;
    case 'artifact':
    case 'attachment':
      what = `${str(p['name']) ?? ''} (${typeof p['size'] === 'number' ? p['size'] : '?'} bytes)`;
      break;
    case 'step-state':
      what = `→ ${str(p['state']) ?? '?'}`;
      break;
    case 'run-finished':
      what = `run finished: ${str(p['outcome']) ?? '?'}${str(p['summary']) !== undefined ? ` — ${str(p['summary'])}` : ''}`;
      break;
  }
  const redacted = entry.redactions.length > 0 ? ' (redacted)' : '';
  return `| ${entry.seq} | ${entry.time} | ${entry.kind} | ${cell(entry.stepId)} | ${cell(entry.actor)} | ${cell(what)}${redacted} |\n`;
}
