/**
 * @file Reading zip archives (`.npz`, zip-format `.pth`) without trusting them. The central directory is
 * read first (zip64 aware) and every member's declared sizes are checked against the file before any byte is
 * inflated; members are then inflated one at a time, only when asked for, with a hard cap at the declared
 * size and a CRC-32 check. So a small file whose members inflate to gigabytes (a "zip bomb") is refused in
 * milliseconds instead of filling memory. Stored (method 0) and deflate (method 8) members are supported:
 * what numpy's `savez`/`savez_compressed` and `torch.save` write. fflate does the inflating.
 */
import { fstatSync, readSync } from 'node:fs';
import { Inflate } from 'fflate';
import { FormatError } from '../core/errors.js';

/** One member as the central directory describes it. */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate (others are refused when the member is read). */
  readonly method: number;
  readonly compressedSize: number;
  /** The declared inflated size. */
  readonly size: number;
  readonly crc32: number;
  /** Where the member's bytes start in the archive (after its local header). */
  readonly dataStart: number;
}

/** An archive whose directory has been read and checked: in memory (`bytes`) or read from a file (`reader`). */
export interface ZipArchive {
  readonly bytes?: Uint8Array;
  readonly reader?: ZipReader;
  /** The file name, for messages. */
  readonly source: string;
  /** Members by name, in directory order. */
  readonly entries: ReadonlyMap<string, ZipEntry>;
}

/** Deflate emits at most one 258-byte match per ~2 bits (RFC 1951), so no stream inflates more than this. */
const MAX_DEFLATE_RATIO = 1032;
/**
 * A member that would inflate more than {@link BOMB_RATIO}× its compressed size to more than
 * {@link BOMB_MIN_BYTES} is refused as a zip bomb even when its sizes are consistent: real arrays (features,
 * statistics, weights) do not compress 100:1, and no fidkit input needs hundreds of megabytes of one byte.
 */
const BOMB_RATIO = 100;
const BOMB_MIN_BYTES = 256 * 2 ** 20;
/**
 * Compressed bytes handed to the inflater per step: one step produces at most ~16 MiB, so a member that
 * inflates past its declared size is stopped after that much (64 KiB steps let fflate allocate ~200 MB
 * first); smaller steps cost time on honest members (4 KiB: +50 % on a 32 MB sigma).
 */
const INFLATE_STEP = 16 * 1024;

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

/**
 * Random access to an archive's bytes: the whole file in memory, or a file read piece by piece
 * ({@link openZipFile}), so a multi-gigabyte checkpoint is never held whole.
 */
export interface ZipReader {
  readonly size: number;
  /** `length` bytes from `offset` (a view when the archive is in memory, else a fresh buffer). */
  read(offset: number, length: number): Uint8Array;
}

/**
 * Read and check the central directory: sizes within the file, no duplicate names, no member declaring more
 * than deflate can produce or than a plausible array (see {@link BOMB_RATIO}). Nothing is inflated.
 * @param kind what the archive should be, for messages ("zip archive", ".npz (zip) archive")
 * @throws {FormatError} naming the file (and the member, for member problems)
 */
export function openZip(bytes: Uint8Array, source: string, kind = 'zip archive'): ZipArchive {
  return { ...readDirectory({ size: bytes.length, read: (o, n) => bytes.subarray(o, o + n) }, source, kind), bytes };
}

/**
 * {@link openZip} over an open file: only the directory and the local headers are read now; members are
 * read from the file when asked for ({@link readZipMember}), so memory holds one member at a time.
 * @param fd an open file descriptor, kept open by the caller while the archive is used.
 * @throws {FormatError} as {@link openZip}
 */
export function openZipFile(fd: number, source: string, kind = 'zip archive'): ZipArchive {
  const size = fstatSync(fd).size;
  const reader: ZipReader = {
    size,
    read(offset, length) {
      const out = new Uint8Array(length);
      for (let got = 0; got < length; ) {
        const n = readSync(fd, out, got, length - got, offset + got);
        if (n === 0) throw new FormatError(`${source} ended while reading ${length} bytes at offset ${offset}: the file was truncated while in use`);
        got += n;
      }
      return out;
    },
  };
  return { ...readDirectory(reader, source, kind), reader };
}

function readDirectory(r: ZipReader, source: string, kind: string): { source: string; entries: Map<string, ZipEntry> } {
  const size = r.size;
  const bad = (m: string): never => {
    throw new FormatError(`${source} is not a readable ${kind}: ${m}; the file is truncated or corrupt (re-download or re-create it)`);
  };
  const badMember = (name: string, m: string): never => {
    throw new FormatError(`${source}: member ${name} ${m}; the archive is corrupt or hostile (re-create it)`);
  };
  const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
  // The end records lie in the last 22 + 65535 (comment) bytes, the zip64 locator just before.
  const tailStart = Math.max(0, size - 22 - 65535 - 20);
  const tailBytes = r.read(tailStart, size - tailStart);
  const tail = view(tailBytes);
  let eocd = -1;
  for (let p = tailBytes.length - 22; p >= Math.max(0, tailBytes.length - 22 - 65535); p--) {
    if (tail.getUint32(p, true) === SIG_EOCD) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) bad('no end-of-central-directory record');
  let count = tail.getUint16(eocd + 10, true);
  let cdSize = tail.getUint32(eocd + 12, true);
  let cdOffset = tail.getUint32(eocd + 16, true);
  if (eocd >= 20 && tail.getUint32(eocd - 20, true) === SIG_ZIP64_LOCATOR) {
    const z = Number(tail.getBigUint64(eocd - 12, true));
    if (z + 56 > size) bad('a broken zip64 end-of-central-directory record');
    const z64 = view(r.read(z, 56));
    if (z64.getUint32(0, true) !== SIG_ZIP64_EOCD) bad('a broken zip64 end-of-central-directory record');
    count = Number(z64.getBigUint64(32, true));
    cdSize = Number(z64.getBigUint64(40, true));
    cdOffset = Number(z64.getBigUint64(48, true));
  }
  if (cdOffset + cdSize > size) bad('the central directory lies past the end of the file');
  // Every directory entry takes at least 46 bytes, so a count beyond that is a lie (and would loop long).
  if (count * 46 > cdSize) bad(`the directory claims ${count} members in ${cdSize} bytes`);
  const cdBytes = r.read(cdOffset, cdSize);
  const dv = view(cdBytes);
  const names = new TextDecoder('utf-8', { fatal: true });
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdSize || dv.getUint32(p, true) !== SIG_CENTRAL) bad(`central directory entry ${i} is damaged`);
    const method = dv.getUint16(p + 10, true);
    const crc32 = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size32 = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localHeader = dv.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen > cdSize) bad(`central directory entry ${i} is damaged`);
    let name: string;
    try {
      name = names.decode(cdBytes.subarray(p + 46, p + 46 + nameLen));
    } catch {
      return bad(`central directory entry ${i} has a name that is not UTF-8`);
    }
    if (name.length === 0 || name.includes('\0')) bad(`central directory entry ${i} has an empty or NUL-holding name`);
    // zip64: sizes/offset saturated at 0xFFFFFFFF are in the 0x0001 extra field, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const next = (): number => {
          if (q + 8 > e + 4 + len) badMember(name, 'has a short zip64 extra field');
          const v = Number(dv.getBigUint64(q, true));
          q += 8;
          return v;
        };
        if (size32 === 0xffffffff) size32 = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeader === 0xffffffff) localHeader = next();
      }
      e += 4 + len;
    }
    if (entries.has(name)) badMember(name, 'appears twice in the archive, so which copy is meant is ambiguous');
    if (localHeader + 30 > size) badMember(name, 'has no valid local header');
    const local = view(r.read(localHeader, 30));
    if (local.getUint32(0, true) !== SIG_LOCAL) badMember(name, 'has no valid local header');
    const dataStart = localHeader + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    if (dataStart + compressedSize > size) badMember(name, `needs ${compressedSize} bytes but the file ends first`);
    if (method === 0 && size32 !== compressedSize) badMember(name, `is stored uncompressed but declares ${size32} bytes in ${compressedSize}`);
    if (method === 8) {
      if (size32 > compressedSize * MAX_DEFLATE_RATIO + 1024) {
        badMember(name, `declares ${size32} bytes, more than deflate can produce from its ${compressedSize}`);
      }
      if (size32 > BOMB_MIN_BYTES && size32 > compressedSize * BOMB_RATIO) {
        badMember(name, `would inflate ${compressedSize} bytes to ${size32} (${Math.round(size32 / compressedSize)}:1): that is a zip bomb, not array data`);
      }
    }
    entries.set(name, { name, method, compressedSize, size: size32, crc32, dataStart });
    p = extraEnd + commentLen;
  }
  return { source, entries };
}

/** Options of {@link readZipMember}. */
export interface ReadMemberOptions {
  /**
   * Told the first inflated bytes (a growing prefix), returns the member's true total size once it can tell
   * (e.g. from a `.npy` header), or undefined to see more. A size different from the declared one is refused
   * before the rest is inflated.
   */
  readonly sizeFromHead?: (head: Uint8Array) => number | undefined;
  /** Check the CRC-32 of stored members too (default true; inflated members are always checked). */
  readonly checkStoredCrc?: boolean;
}

/**
 * A member's bytes: a view into the archive when stored, else inflated, never past the declared size, and
 * checked against the directory's CRC-32 (stored members unless `checkStoredCrc` is false).
 * @throws {FormatError} naming the file and the member: unsupported method, a size that disagrees with the
 *   declared one or with `sizeFromHead`, a broken deflate stream, a CRC mismatch
 */
export function readZipMember(zip: ZipArchive, entry: ZipEntry, options: ReadMemberOptions = {}): Uint8Array {
  const bad = (m: string): never => {
    throw new FormatError(`${zip.source}: member ${entry.name} ${m}; the archive is corrupt or hostile (re-create it)`);
  };
  const checkHead = (head: Uint8Array): boolean => {
    const want = options.sizeFromHead?.(head);
    if (want === undefined) return false;
    if (want !== entry.size) bad(`declares ${entry.size} bytes but its contents say ${want}`);
    return true;
  };
  const raw = zip.bytes ? zip.bytes.subarray(entry.dataStart, entry.dataStart + entry.compressedSize) : zip.reader!.read(entry.dataStart, entry.compressedSize);
  let out: Uint8Array;
  if (entry.method === 0) {
    if (options.sizeFromHead) checkHead(raw);
    out = raw;
  } else if (entry.method === 8) {
    out = inflateCapped(raw, entry.size, options.sizeFromHead ? checkHead : undefined, bad);
  } else {
    return bad(`uses zip compression method ${entry.method}; only stored and deflate members are read`);
  }
  if (entry.method === 0 && options.checkStoredCrc === false) return out;
  const crc = crc32(out);
  if (crc !== entry.crc32) bad(`fails its CRC-32 check (${crc.toString(16)}, directory says ${entry.crc32.toString(16)})`);
  return out;
}

/**
 * Inflate `raw`, which must produce exactly `size` bytes, in small steps so that a stream producing more
 * is stopped at the cap. `checkHead` sees the output so far until it returns true (the sizes agree), and the
 * full output buffer is allocated only after that.
 */
function inflateCapped(raw: Uint8Array, size: number, checkHead: ((head: Uint8Array) => boolean) | undefined, bad: (m: string) => never): Uint8Array {
  let head: Uint8Array[] | null = checkHead ? [] : null;
  let out: Uint8Array | null = head ? null : new Uint8Array(size);
  let produced = 0;
  let ended = false;
  const inflater = new Inflate((chunk, final) => {
    if (produced + chunk.length > size) bad(`inflates to more than its declared ${size} bytes: a zip bomb, or a damaged member`);
    if (out) out.set(chunk, produced);
    else head!.push(chunk);
    produced += chunk.length;
    if (final) ended = true;
  });
  const settleHead = (force: boolean): void => {
    if (!head) return;
    const prefix = concat(head, produced);
    head = [prefix];
    if (checkHead!(prefix) || force) {
      out = new Uint8Array(size);
      out.set(prefix, 0);
      head = null;
    }
  };
  try {
    for (let p = 0; p < raw.length && !ended; p += INFLATE_STEP) {
      const end = Math.min(raw.length, p + INFLATE_STEP);
      inflater.push(raw.subarray(p, end), end === raw.length);
      if (head && produced > 0) settleHead(false);
    }
    if (raw.length === 0) inflater.push(raw, true);
  } catch (err) {
    if (err instanceof FormatError) throw err;
    return bad(`cannot be inflated (${(err as Error).message})`);
  }
  settleHead(true);
  if (produced !== size) bad(`inflates to ${produced} bytes but declares ${size}`);
  return out!;
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(length);
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 as zip computes it (polynomial 0xEDB88320), eight table look-ups per step. */
function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    // Slicing-by-8 tables: crcTable[k * 256 + n] is the CRC of byte n followed by k zero bytes.
    crcTable = new Uint32Array(8 * 256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
    for (let n = 0; n < 256; n++) {
      for (let k = 1; k < 8; k++) crcTable[k * 256 + n] = (crcTable[(k - 1) * 256 + n] >>> 8) ^ crcTable[crcTable[(k - 1) * 256 + n] & 0xff];
    }
  }
  const t = crcTable;
  let c = 0xffffffff;
  let i = 0;
  const n8 = bytes.length - (bytes.length % 8);
  for (; i < n8; i += 8) {
    const lo = (c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24))) >>> 0;
    c =
      t[7 * 256 + (lo & 0xff)] ^
      t[6 * 256 + ((lo >>> 8) & 0xff)] ^
      t[5 * 256 + ((lo >>> 16) & 0xff)] ^
      t[4 * 256 + (lo >>> 24)] ^
      t[3 * 256 + bytes[i + 4]] ^
      t[2 * 256 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
  }
  for (; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
