import { z } from 'zod';

/**
 * The release bundle, as written by exportBundle and read by verifyBundle:
 * - every artifact under its readable name (attachments under `attachments/`),
 * - `journal.jsonl`: the run's journal, one entry per line, each the RFC 8785 canonical JSON of the entry with
 *   its `hash`; the hash is SHA-256 over the same canonical JSON without `hash`; `prevHash` is the previous
 *   line's hash (64 zeros on the first line),
 * - `record.md`: the human record of the run,
 * - `manifest.json`: every file's SHA-256 and size, the chain head, run and operator,
 * - `SHA256SUMS`: `sha256sum -c SHA256SUMS` checks every file including the manifest.
 */
export const BUNDLE_FORMAT = 'greenlight-release-bundle';
export const BUNDLE_FORMAT_VERSION = 1;
export const JOURNAL_FILE = 'journal.jsonl';
export const RECORD_FILE = 'record.md';
export const MANIFEST_FILE = 'manifest.json';
export const SUMS_FILE = 'SHA256SUMS';
export const ATTACHMENTS_DIR = 'attachments';
export const RESERVED_NAMES = new Set([
  JOURNAL_FILE,
  RECORD_FILE,
  MANIFEST_FILE,
  SUMS_FILE,
  ATTACHMENTS_DIR,
]);

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 in lower-case hex');

export const ManifestFile = z.object({
  path: z.string().min(1),
  sha256: Sha256,
  size: z.number().int().nonnegative(),
  /** What the file is: `journal`, `record`, `artifact` or `attachment`. */
  role: z.string(),
});
export type ManifestFile = z.infer<typeof ManifestFile>;

export const BundleManifest = z.object({
  format: z.literal(BUNDLE_FORMAT),
  formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
  greenlightVersion: z.string(),
  exportedAt: z.string(),
  run: z.object({
    id: z.string(),
    environment: z.string(),
    version: z.string(),
    runbook: z.object({ id: z.string(), hash: z.string() }),
    operator: z.record(z.string(), z.unknown()),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    outcome: z.string().nullable(),
  }),
  chain: z.object({
    hash: z.literal('sha256 over RFC 8785 canonical JSON of the entry without "hash"'),
    genesis: Sha256,
    entries: z.number().int().nonnegative(),
    head: Sha256,
  }),
  files: z.array(ManifestFile),
});
export type BundleManifest = z.infer<typeof BundleManifest>;

/** `sha256sum` text format: `<hex>  <path>` per line (two spaces: text mode), sorted by path. */
export function formatSums(files: readonly { path: string; sha256: string }[]): string {
  return [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((file) => `${file.sha256}  ${file.path}\n`)
    .join('');
}

/** Parses SHA256SUMS; lines that do not parse are returned as problems (1-based line numbers). */
export function parseSums(text: string): { entries: Map<string, string>; bad: number[] } {
  const entries = new Map<string, string>();
  const bad: number[] = [];
  text.split('\n').forEach((line, index) => {
    if (line === '') return;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (match === null || match[1] === undefined || match[2] === undefined) bad.push(index + 1);
    else entries.set(match[2], match[1]);
  });
  return { entries, bad };
}
