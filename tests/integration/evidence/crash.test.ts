import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEvidenceStore } from '../../../src/main/core/evidence/store';
import type { JournalEntry } from '../../../src/main/core/evidence/types';
import { spawnAppender, waitFor } from '../../support/evidence';
import { tempDir } from '../../support/temp';

let dir: { path: string; cleanup: () => void };
beforeEach(() => {
  dir = tempDir('greenlight-crash-');
});
afterEach(() => dir.cleanup());

type Ack = { kind: string; seq: number; hash: string; id?: string };

function acks(lines: string[]): Ack[] {
  return lines
    .filter((line) => line.startsWith('ack '))
    .map((line) => {
      const [, kind = '', seq = '0', hash = '', id] = line.split(' ');
      return { kind, seq: Number(seq), hash, id };
    });
}

const ROUNDS = 14;

describe('kill -9 in the middle of an append loop', () => {
  it(
    `loses no acknowledged entry over ${ROUNDS} kills, keeps integrity and the chain, and lists intents left without outcome`,
    { timeout: 240_000 },
    async () => {
      const acknowledged = new Map<number, string>();
      let pendingSeen = 0;
      for (let round = 0; round < ROUNDS; round += 1) {
        const last = round === ROUNDS - 1;
        const child = spawnAppender(dir.path, last ? 'hang-after-intent' : 'loop');
        if (last) {
          await waitFor(
            () => acks(child.lines).some((a) => a.kind === 'intent'),
            'the intent before the hang',
          );
        } else if (round % 3 === 2) {
          // Kill at a random moment from spawn: sometimes during startup or opening, sometimes mid-loop.
          const delay = 100 + Math.floor(Math.random() * 1500);
          await new Promise((r) => setTimeout(r, delay));
        } else {
          const target = 1 + Math.floor(Math.random() * 200);
          await waitFor(
            () => acks(child.lines).length >= target || child.child.exitCode !== null,
            `${target} acknowledgements`,
          );
        }
        child.child.kill('SIGKILL');
        await child.exited;
        expect(child.stderr()).not.toMatch(/Error/);
        const got = acks(child.lines);
        for (const ack of got) acknowledged.set(ack.seq, ack.hash);

        const opened = await openEvidenceStore({ dataDir: dir.path });
        try {
          // Opening ran integrity_check and verified the chain, or it would have thrown.
          expect(opened.chain.ok).toBe(true);
          const journal: JournalEntry[] = [];
          for (let after = 0; ;) {
            const page = opened.store.listJournal('crash-run', { afterSeq: after, limit: 5000 });
            if (page.length === 0) break;
            journal.push(...page);
            after = page.at(-1)?.seq ?? after;
          }
          const bySeq = new Map(journal.map((e) => [e.seq, e.hash]));
          for (const [seq, hash] of acknowledged)
            expect(bySeq.get(seq), `acknowledged entry ${seq}`).toBe(hash);

          // Pending intents are exactly the intents in the journal without an outcome entry.
          const outcomes = new Set(
            journal
              .filter((e) => e.kind === 'outcome')
              .map((e) => (e.payload as { intentId: string }).intentId),
          );
          const withoutOutcome = journal
            .filter(
              (e) =>
                e.kind === 'intent' && !outcomes.has((e.payload as { intentId: string }).intentId),
            )
            .map((e) => (e.payload as { intentId: string }).intentId);
          expect(opened.pendingIntents.map((p) => p.intentId)).toEqual(withoutOutcome);
          // An acknowledged intent whose outcome was not acknowledged is either pending or has a committed outcome.
          const ackedOutcomes = new Set(got.filter((a) => a.kind === 'outcome').map((a) => a.id));
          for (const intent of got.filter((a) => a.kind === 'intent' && !ackedOutcomes.has(a.id))) {
            expect(withoutOutcome.includes(intent.id ?? '') || outcomes.has(intent.id ?? '')).toBe(
              true,
            );
          }
          pendingSeen += opened.pendingIntents.length;
          if (last) {
            const hung = got.find((a) => a.kind === 'intent');
            expect(opened.pendingIntents.map((p) => p.intentId)).toContain(hung?.id);
          }
          // Settle what the crash left open, as the engine would after reconciling, so the next round starts clean.
          for (const pending of opened.pendingIntents) {
            opened.store.recordOutcome(pending.intentId, {
              status: 'unknown',
              note: 'reconciled after crash',
            });
          }
        } finally {
          opened.store.close();
        }
      }
      expect(acknowledged.size).toBeGreaterThan(ROUNDS);
      expect(pendingSeen).toBeGreaterThan(0);
    },
  );
});
