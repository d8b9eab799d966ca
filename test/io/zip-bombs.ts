/**
 * @file Test helpers: hand-written zip archives (so a member can declare any size, zip64 included) and
 * deflate streams of zeros of any length built in milliseconds — the raw material of zip bombs.
 */
import { constants, deflateRawSync } from 'node:zlib';

/** One member of {@link zipBytes}. `size` is what the directory declares (default: the real inflated size). */
export interface ZipMember {
  readonly name: string;
  /** The member's bytes as stored in the archive (deflated when `method` is 8). */
  readonly data: Uint8Array;
  readonly method: 0 | 8;
  readonly size: number;
  readonly crc?: number;
  /** Write the sizes in a zip64 extra field (sizes of 4 GiB and more always are). */
  readonly zip64?: boolean;
}

/** A zip archive of the members, in order, written byte by byte (no validation: bombs welcome). */
export function zipBytes(members: readonly ZipMember[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const name = new TextEncoder().encode(m.name);
    const zip64 = m.zip64 === true || m.size >= 0xffffffff || m.data.length >= 0xffffffff;
    const extra = new Uint8Array(zip64 ? 20 : 0);
    if (zip64) {
      const ev = new DataView(extra.buffer);
      ev.setUint16(0, 0x0001, true);
      ev.setUint16(2, 16, true);
      ev.setBigUint64(4, BigInt(m.size), true);
      ev.setBigUint64(12, BigInt(m.data.length), true);
    }
    const local = new Uint8Array(30 + name.length + extra.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, zip64 ? 45 : 20, true);
    lv.setUint16(8, m.method, true);
    lv.setUint32(14, m.crc ?? 0, true);
    lv.setUint32(18, zip64 ? 0xffffffff : m.data.length, true);
    lv.setUint32(22, zip64 ? 0xffffffff : m.size, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, extra.length, true);
    local.set(name, 30);
    local.set(extra, 30 + name.length);
    const cd = new Uint8Array(46 + name.length + extra.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 45, true);
    cv.setUint16(6, zip64 ? 45 : 20, true);
    cv.setUint16(10, m.method, true);
    cv.setUint32(16, m.crc ?? 0, true);
    cv.setUint32(20, zip64 ? 0xffffffff : m.data.length, true);
    cv.setUint32(24, zip64 ? 0xffffffff : m.size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, extra.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    cd.set(extra, 46 + name.length);
    parts.push(local, m.data);
    central.push(cd);
    offset += local.length + m.data.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, eocd];
  const out = new Uint8Array(all.reduce((a, p) => a + p.length, 0));
  let p = 0;
  for (const part of all) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

/** A stored (method 0) member holding `bytes`, with its real CRC. */
export const storedMember = (name: string, bytes: Uint8Array): ZipMember => ({ name, data: bytes, method: 0, size: bytes.length, crc: crc32(bytes) });

/** A deflated (method 8) member holding `bytes`, with its real size and CRC. */
export const deflatedMember = (name: string, bytes: Uint8Array): ZipMember => ({
  name,
  data: new Uint8Array(deflateRawSync(bytes)),
  method: 8,
  size: bytes.length,
  crc: crc32(bytes),
});

const MIB = 1 << 20;

/**
 * A raw deflate stream that inflates to `prefix` followed by `mib` MiB of zeros (~1 KB per MiB, the
 * ~1000:1 ratio deflate allows), built in milliseconds: zlib's non-final, sync-flushed stream for one MiB
 * of zeros refers only to itself, so copies of it can follow one another; an empty final block ends it.
 */
export function deflatedZeros(mib: number, prefix: Uint8Array = new Uint8Array(0)): Uint8Array {
  const flush = { finishFlush: constants.Z_SYNC_FLUSH };
  const head = new Uint8Array(deflateRawSync(prefix, flush));
  const chunk = new Uint8Array(deflateRawSync(new Uint8Array(MIB), flush));
  const end = new Uint8Array([0x03, 0x00]); // an empty final fixed-Huffman block
  const out = new Uint8Array(head.length + mib * chunk.length + end.length);
  out.set(head, 0);
  for (let i = 0; i < mib; i++) out.set(chunk, head.length + i * chunk.length);
  out.set(end, head.length + mib * chunk.length);
  return out;
}

let table: Uint32Array | undefined;
/** CRC-32 (zip's) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The header of a `.npy` (version 1.0) for an array of `descr` and `shape`, padded to 64 bytes like numpy's. */
export function npyHeader(descr: string, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const text = dict + ' '.repeat(total - 10 - dict.length - 1) + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, total - 10, true);
  out.set(new TextEncoder().encode(text), 10);
  return out;
}
