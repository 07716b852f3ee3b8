import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import {
  ChainVerifier,
  GENESIS_HASH,
  computeEntryHash,
  entryHashInput,
} from '../../../src/main/core/evidence/chain';
import type { StoredEntryFields } from '../../../src/main/core/evidence/chain';

function entry(seq: number, prevHash: string, payload: unknown = { n: seq }): StoredEntryFields {
  return {
    seq,
    time: '2026-01-01T00:00:00.000Z',
    kind: 'observation',
    runId: 'run-1',
    stepId: seq % 2 === 0 ? null : 'step "quoted" ✓',
    actor: 'alice',
    payload: canonicalize(payload) ?? 'null',
    redactions: '[]',
    prevHash,
  };
}

describe('entry hash', () => {
  it('is taken over exactly the RFC 8785 canonical JSON an auditor rebuilds from a journal line', () => {
    const payload = { z: [1, 2.5, 1e21, 'ü'], a: { é: null, b: true }, '\u0000x': '\n' };
    const fields = entry(7, 'f'.repeat(64), payload);
    const asObject = { ...fields, payload, redactions: [] };
    expect(entryHashInput(fields)).toBe(canonicalize(asObject));
  });

  it('changes with any field', () => {
    const base = entry(1, GENESIS_HASH);
    const hash = computeEntryHash(base);
    for (const change of [
      { seq: 2 },
      { actor: 'bob' },
      { kind: 'intent' },
      { payload: '{"n":2}' },
      { prevHash: '1'.repeat(64) },
      { stepId: null },
    ]) {
      expect(computeEntryHash({ ...base, ...change })).not.toBe(hash);
    }
  });
});

describe('ChainVerifier', () => {
  const chain = (n: number): { fields: StoredEntryFields; hash: string }[] => {
    const out: { fields: StoredEntryFields; hash: string }[] = [];
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= n; seq += 1) {
      const fields = entry(seq, prev);
      prev = computeEntryHash(fields);
      out.push({ fields, hash: prev });
    }
    return out;
  };

  it('accepts an intact chain and reports its head', () => {
    const entries = chain(5);
    const verifier = new ChainVerifier({ contiguousSeq: true });
    for (const e of entries) verifier.push(e.fields, e.hash);
    expect(verifier.problems).toEqual([]);
    expect(verifier.headsRecord()).toEqual({ 'run-1': { entries: 5, hash: entries[4]?.hash } });
  });

  it('names an altered entry by seq', () => {
    const entries = chain(5);
    const verifier = new ChainVerifier({ contiguousSeq: true });
    for (const e of entries)
      verifier.push(e.fields.seq === 3 ? { ...e.fields, payload: '{"n":33}' } : e.fields, e.hash);
    expect(verifier.problems.map((p) => [p.code, p.seq])).toEqual([['hash_mismatch', 3]]);
  });

  it('names a removed entry (seq gap and broken link)', () => {
    const entries = chain(5).filter((e) => e.fields.seq !== 2);
    const verifier = new ChainVerifier({ contiguousSeq: true });
    for (const e of entries) verifier.push(e.fields, e.hash);
    expect(verifier.problems.map((p) => [p.code, p.seq])).toEqual([
      ['seq_gap', 3],
      ['broken_link', 3],
    ]);
    expect(verifier.problems[0]?.message).toContain('entry 2 is missing');
  });
});
