/**
 * The slice of CBOR (RFC 8949) that Smithy's rpcv2-cbor protocol uses: unsigned/negative integers, byte and
 * text strings, arrays, maps, tag 1 (epoch-seconds timestamps), booleans, null/undefined and floats. Newer SDK
 * builds send CloudWatch requests this way; the pinned SDK still uses JSON 1.0, so this is the forward path.
 */

export class CborError extends Error {}

/** Decodes one CBOR item; throws CborError on truncated or unsupported input. */
export function decodeCbor(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > bytes.length) throw new CborError('truncated CBOR input');
  };
  const readLength = (info: number): number => {
    if (info < 24) return info;
    if (info === 24) {
      need(1);
      return view.getUint8(pos++);
    }
    if (info === 25) {
      need(2);
      const v = view.getUint16(pos);
      pos += 2;
      return v;
    }
    if (info === 26) {
      need(4);
      const v = view.getUint32(pos);
      pos += 4;
      return v;
    }
    if (info === 27) {
      need(8);
      const v = Number(view.getBigUint64(pos));
      pos += 8;
      return v;
    }
    throw new CborError(`unsupported CBOR length encoding ${info}`);
  };
  const halfFloat = (h: number): number => {
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    const sign = h & 0x8000 ? -1 : 1;
    if (exp === 0) return sign * 2 ** -14 * (mant / 1024);
    if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
    return sign * 2 ** (exp - 15) * (1 + mant / 1024);
  };
  const item = (depth: number): unknown => {
    if (depth > 64) throw new CborError('CBOR nesting too deep');
    need(1);
    const head = view.getUint8(pos++);
    const major = head >> 5;
    const info = head & 0x1f;
    const indefinite = info === 31 && major >= 2 && major <= 5;
    const BREAK = Symbol('break');
    const next = (): unknown => {
      need(1);
      if (view.getUint8(pos) === 0xff) {
        pos++;
        return BREAK;
      }
      return item(depth + 1);
    };
    switch (major) {
      case 0:
        return readLength(info);
      case 1:
        return -1 - readLength(info);
      case 2:
      case 3: {
        if (indefinite) {
          const parts: Uint8Array[] = [];
          for (let chunk = next(); chunk !== BREAK; chunk = next()) {
            parts.push(
              typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array),
            );
          }
          const all = Buffer.concat(parts);
          return major === 3 ? all.toString('utf8') : new Uint8Array(all);
        }
        const n = readLength(info);
        need(n);
        const slice = bytes.subarray(pos, pos + n);
        pos += n;
        return major === 3 ? Buffer.from(slice).toString('utf8') : slice;
      }
      case 4: {
        const out: unknown[] = [];
        if (indefinite) {
          for (let v = next(); v !== BREAK; v = next()) out.push(v);
          return out;
        }
        const n = readLength(info);
        for (let i = 0; i < n; i++) out.push(item(depth + 1));
        return out;
      }
      case 5: {
        const out: Record<string, unknown> = {};
        const n = indefinite ? Infinity : readLength(info);
        for (let i = 0; i < n; i++) {
          const key = indefinite ? next() : item(depth + 1);
          if (key === BREAK) break;
          if (typeof key !== 'string') throw new CborError('CBOR map keys must be text strings');
          out[key] = item(depth + 1);
        }
        return out;
      }
      case 6: {
        const tag = readLength(info);
        const value = item(depth + 1);
        if (tag === 1 && typeof value === 'number') return new Date(value * 1000);
        return value;
      }
      default: {
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info === 23) return undefined;
        if (info === 25) {
          need(2);
          const v = halfFloat(view.getUint16(pos));
          pos += 2;
          return v;
        }
        if (info === 26) {
          need(4);
          const v = view.getFloat32(pos);
          pos += 4;
          return v;
        }
        if (info === 27) {
          need(8);
          const v = view.getFloat64(pos);
          pos += 8;
          return v;
        }
        throw new CborError(`unsupported CBOR simple value ${info}`);
      }
    }
  };
  const value = item(0);
  if (pos !== bytes.length) throw new CborError('trailing bytes after the CBOR item');
  return value;
}

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(length, 1);
    return b;
  }
  if (length < 0x100000000) {
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(length, 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = (major << 5) | 27;
  b.writeBigUInt64BE(BigInt(length), 1);
  return b;
}

function float64(n: number): Buffer {
  const b = Buffer.alloc(9);
  b[0] = 0xfb;
  b.writeDoubleBE(n, 1);
  return b;
}

/** Encodes a value; Dates become tag 1 (epoch seconds), `undefined` members of objects are left out. */
export function encodeCbor(value: unknown): Buffer {
  const parts: Buffer[] = [];
  const walk = (v: unknown): void => {
    if (v === null) parts.push(Buffer.from([0xf6]));
    else if (v === undefined) parts.push(Buffer.from([0xf7]));
    else if (v === true) parts.push(Buffer.from([0xf5]));
    else if (v === false) parts.push(Buffer.from([0xf4]));
    else if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) parts.push(v >= 0 ? head(0, v) : head(1, -1 - v));
      else parts.push(float64(v));
    } else if (typeof v === 'string') {
      const bytes = Buffer.from(v, 'utf8');
      parts.push(head(3, bytes.length), bytes);
    } else if (v instanceof Date) {
      parts.push(Buffer.from([0xc1]), float64(v.getTime() / 1000));
    } else if (v instanceof Uint8Array) {
      parts.push(head(2, v.length), Buffer.from(v));
    } else if (Array.isArray(v)) {
      parts.push(head(4, v.length));
      v.forEach(walk);
    } else if (typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).filter(
        ([, x]) => x !== undefined,
      );
      parts.push(head(5, entries.length));
      for (const [k, x] of entries) {
        walk(k);
        walk(x);
      }
    } else {
      parts.push(Buffer.from([0xf7]));
    }
  };
  walk(value);
  return Buffer.concat(parts);
}
