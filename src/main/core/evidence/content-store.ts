import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { AppError } from '../errors';
import type { Redactor } from './redact';
import type { Redaction } from './types';

/** Where content comes from: bytes in memory, a file, or a stream (e.g. an HTTP body or a child's stdout). */
export type ContentSource =
  | { buffer: Uint8Array | string }
  | { path: string | Buffer }
  | { stream: AsyncIterable<Uint8Array | string> };

export type StoredContent = {
  sha256: string;
  size: number;
  mediaType: string;
  /** How the redaction layer read it: JSON (by structure), text (by line) or binary (refused if it holds a secret). */
  treatedAs: 'json' | 'text' | 'binary';
  redactions: Redaction[];
};

export type StoreContentOptions = {
  name: string;
  mediaType?: string;
  redactor: Redactor;
  /** Bytes read from the source beyond which the content is refused with `tooLarge(limit)`. */
  maxBytes?: number;
  tooLarge?: (limit: number) => AppError;
};

const CHUNK = 1 << 20;
// JSON up to this size is redacted by structure (keys and paths known); larger JSON is redacted as text.
const JSON_STRUCTURAL_LIMIT = 16 << 20;

const MEDIA_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.ndjson': 'application/x-ndjson',
  '.xml': 'application/xml',
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.out': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.env': 'text/plain',
  '.ini': 'text/plain',
  '.conf': 'text/plain',
  '.properties': 'text/plain',
  '.tf': 'text/plain',
  '.hcl': 'text/plain',
  '.sh': 'text/x-shellscript',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tgz': 'application/gzip',
  '.xz': 'application/x-xz',
  '.bin': 'application/octet-stream',
};

/** The media type recorded for a name when the caller gives none. */
export function mediaTypeFor(name: string, given?: string): string {
  return given ?? MEDIA_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

function treatmentOf(mediaType: string, name: string): 'json' | 'text' | 'binary' | 'sniff' {
  const type = mediaType.toLowerCase().split(';')[0]?.trim() ?? '';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (
    type.startsWith('text/') ||
    type.endsWith('xml') ||
    type.includes('yaml') ||
    type.includes('ndjson')
  ) {
    return 'text';
  }
  if (type === 'application/octet-stream' && MEDIA_TYPES[extname(name).toLowerCase()] === undefined)
    return 'sniff';
  return 'binary';
}

/** Text is what decodes as UTF-8 and has no NUL in its first bytes. */
function looksLikeText(head: Buffer): boolean {
  const sample = head.subarray(0, 8192);
  if (sample.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** Path of stored content: `<root>/aa/bb/<sha256>` keeps directories small. */
export function contentPath(root: string, sha256: string): string {
  return join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}

async function* chunksOf(source: ContentSource): AsyncGenerator<Buffer> {
  if ('buffer' in source) {
    const all =
      typeof source.buffer === 'string'
        ? Buffer.from(source.buffer, 'utf8')
        : Buffer.from(source.buffer.buffer, source.buffer.byteOffset, source.buffer.byteLength);
    for (let offset = 0; offset < all.length; offset += CHUNK)
      yield all.subarray(offset, offset + CHUNK);
    return;
  }
  const iterable =
    'path' in source ? createReadStream(source.path, { highWaterMark: CHUNK }) : source.stream;
  for await (const chunk of iterable as AsyncIterable<Uint8Array | string>) {
    yield typeof chunk === 'string'
      ? Buffer.from(chunk, 'utf8')
      : Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

/**
 * A file being written while its SHA-256 is computed (one pass: what is hashed is exactly what was written).
 * Shared by the content store and the vault export.
 */
export class HashingFile {
  private readonly hash = createHash('sha256');
  size = 0;
  private isClosed = false;
  private constructor(private readonly handle: FileHandle) {}

  /** Creates `path` exclusively (never over an existing file). */
  static async create(path: string, mode = 0o644): Promise<HashingFile> {
    return new HashingFile(await open(path, 'wx', mode));
  }

  async write(data: Buffer): Promise<void> {
    if (data.length === 0) return;
    this.hash.update(data);
    this.size += data.length;
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await this.handle.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
  }

  /** Closes the file (fsynced first when `durable`) and returns its SHA-256 and size. */
  async close(durable: boolean): Promise<{ sha256: string; size: number }> {
    if (durable) await this.handle.sync();
    this.isClosed = true;
    await this.handle.close();
    return { sha256: this.hash.digest('hex'), size: this.size };
  }

  /** Closes without a result (on failure; the caller removes the file). */
  async abandon(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.handle.close().catch(() => undefined);
  }
}

function countNewlines(text: string, end: number): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) count += 1;
  return count;
}

/**
 * Streams content through the redaction layer into the content-addressed store under `root`: written to a
 * temporary file while hashed, fsynced, then renamed to its SHA-256 path (identical content is stored once).
 * Memory stays at a few chunks whatever the size, except JSON up to 16 MB which is parsed to redact by key.
 * Binary content cannot be redacted; it is refused if it contains a configured secret value.
 */
export async function storeContent(
  root: string,
  source: ContentSource,
  options: StoreContentOptions,
): Promise<StoredContent> {
  const mediaType = mediaTypeFor(options.name, options.mediaType);
  let treatment = treatmentOf(mediaType, options.name);
  const tmpDir = join(root, '.tmp');
  await mkdir(tmpDir, { recursive: true });
  const tmp = join(tmpDir, randomUUID());
  const out = await HashingFile.create(tmp, 0o600);
  const redactions: Redaction[] = [];
  let inputBytes = 0;
  try {
    const limit = options.maxBytes;
    const input = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of chunksOf(source)) {
        inputBytes += chunk.length;
        if (limit !== undefined && inputBytes > limit) {
          throw (
            options.tooLarge?.(limit) ??
            new AppError('content_too_large', `${options.name} is larger than ${limit} bytes.`)
          );
        }
        yield chunk;
      }
    };
    const chunks = input();

    // Text: redact whole lines (latin1 keeps bytes 1:1, so multi-byte characters split across chunks survive).
    let carry = '';
    let line = 0;
    const flushText = async (piece: string): Promise<void> => {
      if (piece === '') return;
      const base = line;
      const result = options.redactor.redactBinaryString(
        piece,
        (index, text) => `content line ${base + countNewlines(text, index) + 1}`,
      );
      redactions.push(...result.redactions);
      line += countNewlines(piece, piece.length);
      await out.write(Buffer.from(result.text, 'latin1'));
    };
    const feedText = async (chunk: Buffer): Promise<void> => {
      carry += chunk.toString('latin1');
      const cut = carry.lastIndexOf('\n');
      if (cut === -1) return;
      const piece = carry.slice(0, cut + 1);
      carry = carry.slice(cut + 1);
      await flushText(piece);
    };

    const held: Buffer[] = [];
    let heldBytes = 0;
    let tail = Buffer.alloc(0);
    const secrets = options.redactor.secretBytes();
    const longest = secrets[0]?.length ?? 0;
    const feedBinary = async (chunk: Buffer): Promise<void> => {
      if (longest > 0) {
        const window = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
        if (secrets.some((secret) => window.includes(secret))) {
          throw new AppError(
            'artifact_contains_secret',
            `${options.name} contains a configured secret value. Binary content cannot be redacted, so it was not stored; remove the secret from the file and add it again.`,
            { name: options.name },
          );
        }
        tail = Buffer.from(window.subarray(Math.max(0, window.length - (longest - 1))));
      }
      await out.write(chunk);
    };

    for await (const chunk of chunks) {
      if (treatment === 'sniff') treatment = looksLikeText(chunk) ? 'text' : 'binary';
      if (treatment === 'json') {
        held.push(chunk);
        heldBytes += chunk.length;
        if (heldBytes > JSON_STRUCTURAL_LIMIT) {
          treatment = 'text';
          for (const piece of held.splice(0)) await feedText(piece);
        }
      } else if (treatment === 'text') {
        await feedText(chunk);
      } else {
        await feedBinary(chunk);
      }
    }
    if (treatment === 'json') {
      const whole = Buffer.concat(held);
      const parsed = parseJson(whole);
      if (parsed === undefined) {
        treatment = 'text';
        await feedText(whole);
      } else {
        try {
          const result = options.redactor.redactValue(parsed.value, 'content $');
          if (result.redactions.length === 0) {
            await out.write(whole);
          } else {
            redactions.push(...result.redactions);
            await out.write(Buffer.from(JSON.stringify(result.value, null, 2) + '\n', 'utf8'));
          }
        } catch (error) {
          if (!(error instanceof AppError) || error.code !== 'payload_invalid') throw error;
          treatment = 'text';
          await feedText(whole);
        }
      }
    }
    if (treatment === 'text' || treatment === 'sniff') {
      await flushText(carry);
      if (treatment === 'sniff') treatment = 'text';
    }
    const { sha256, size } = await out.close(true);
    const target = contentPath(root, sha256);
    if (await exists(target)) {
      await unlink(tmp);
    } else {
      await mkdir(dirname(target), { recursive: true });
      await rename(tmp, target);
      await syncDir(dirname(target));
    }
    return { sha256, size, mediaType, treatedAs: treatment, redactions };
  } catch (error) {
    await out.abandon();
    await rm(tmp, { force: true });
    throw error;
  }
}

function parseJson(bytes: Buffer): { value: unknown } | undefined {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** fsync a directory so a rename into it survives a power cut. */
export async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes temporary files a crash left behind (content that was never referenced by the journal). */
export async function cleanTemporaryContent(root: string): Promise<void> {
  const tmpDir = join(root, '.tmp');
  let names: string[];
  try {
    names = await readdir(tmpDir);
  } catch {
    return;
  }
  await Promise.all(names.map((name) => rm(join(tmpDir, name), { force: true })));
}
