import { connectionOptions } from '../forward/headers.js'

/**
 * Where a message's parts are in the buffer llhttp read (offset-parser.ts): the URL, each header's
 * name and value, the body's pieces. No string and no object per header: the fast path reads the
 * few headers it must by comparing bytes, and writes messages on by copying runs of them.
 * Strict llhttp has already refused obs-fold, bare LF, CL with TE and two lengths, so every header
 * is one line and header i's line ends where header i+1's starts.
 */

const CONNECTION = Buffer.from('connection')
const CLOSE = Buffer.from('close')
const KEEP_ALIVE = Buffer.from('keep-alive')
/** header lines a message may have on the fast path (node:http's default is 2000; more are handed over or refused) */
export const MAX_HEADERS = 100
const MAX_BODY_PIECES = 1024

export class HeadRanges {
  /** per header: name at, name length, value at, value length */
  readonly header = new Int32Array(MAX_HEADERS * 4)
  /** per header: what it is to the proxy (the owner's numbering) */
  readonly kind = new Uint8Array(MAX_HEADERS)
  count = 0
  urlAt = 0
  urlLen = 0
  /** per body piece: at, length */
  readonly body = new Int32Array(MAX_BODY_PIECES * 2)
  pieces = 0
  bodyLength = 0

  begin(): void {
    this.count = 0
    this.pieces = 0
    this.bodyLength = 0
    this.urlLen = 0
  }

  url(at: number, len: number): number {
    if (this.urlLen === 0) this.urlAt = at
    this.urlLen += len
    return 0
  }

  field(at: number, len: number): number {
    if (this.count === MAX_HEADERS) return -1
    const i = this.count++ * 4
    this.header[i] = at
    this.header[i + 1] = len
    this.header[i + 2] = at + len
    this.header[i + 3] = 0
    return 0
  }

  value(at: number, len: number): number {
    const i = (this.count - 1) * 4
    this.header[i + 2] = at
    this.header[i + 3] = len
    return 0
  }

  bodyPiece(at: number, len: number): number {
    if (this.pieces === MAX_BODY_PIECES) return -1
    this.body[this.pieces * 2] = at
    this.body[this.pieces * 2 + 1] = len
    this.pieces++
    this.bodyLength += len
    return 0
  }

  nameAt(i: number): number {
    return this.header[i * 4] as number
  }

  nameLength(i: number): number {
    return this.header[i * 4 + 1] as number
  }

  valueAt(i: number): number {
    return this.header[i * 4 + 2] as number
  }

  valueLength(i: number): number {
    return this.header[i * 4 + 3] as number
  }

  /** the offset just past the head's blank line (the message starts at `start`) */
  headEnd(buf: Buffer, start: number): number {
    const n = this.count
    const from = n === 0 ? Math.max(start, this.urlAt + this.urlLen) : (this.header[n * 4 - 2] as number) + (this.header[n * 4 - 1] as number)
    // a few bytes past the last value (its trailing blanks, then CRLF CRLF): a loop here costs less
    // than a call into Buffer.indexOf, made for every request and every answer
    for (let i = from, last = buf.length - 4; i <= last; i++) {
      if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i + 4
    }
    return 3 // not found (as indexOf's -1 + 4): never after llhttp's on_headers_complete
  }

  /** copies the start line and every header line `keep` says yes to, in as few runs as it can; the new position in `out` */
  copyLines(buf: Buffer, start: number, headEnd: number, out: Buffer, pos: number, keep: (kind: number) => boolean): number {
    let runAt = start
    let runEnd = this.count === 0 ? headEnd - 2 : (this.header[0] as number)
    for (let i = 0; i < this.count; i++) {
      const lineAt = this.header[i * 4] as number
      const lineEnd = i + 1 < this.count ? (this.header[(i + 1) * 4] as number) : headEnd - 2
      if (keep(this.kind[i] as number)) {
        if (lineAt !== runEnd) {
          pos += buf.copy(out, pos, runAt, runEnd)
          runAt = lineAt
        }
        runEnd = lineEnd
      }
    }
    return pos + buf.copy(out, pos, runAt, runEnd)
  }
}

/**
 * The header names the Connection lines list are hop-by-hop too (RFC 9110 §7.6.1): each is marked
 * DROP (1), but those `spared` says to keep. The rare path (called only when a Connection line
 * says more than close or keep-alive might), with strings, and the rule of forward/headers.ts
 * connectionOptions.
 */
export function dropConnectionOptions(buf: Buffer, r: HeadRanges, spared: (i: number) => boolean): void {
  const text = (at: number, len: number) => buf.toString('latin1', at, at + len)
  const lines: string[] = []
  for (let i = 0; i < r.count; i++) if (nameIs(buf, r.nameAt(i), r.nameLength(i), CONNECTION)) lines.push('connection', text(r.valueAt(i), r.valueLength(i)))
  const names = connectionOptions(lines)
  if (names === undefined) return
  for (let i = 0; i < r.count; i++) if (!spared(i) && names.has(text(r.nameAt(i), r.nameLength(i)).toLowerCase())) r.kind[i] = 1
}

/** header name at buf[at, at+len) equals `lower` (lowercase letters, digits, '-'), ignoring case */
export function nameIs(buf: Buffer, at: number, len: number, lower: Buffer): boolean {
  if (len !== lower.length) return false
  for (let i = 0; i < len; i++) if (((buf[at + i] as number) | 0x20) !== lower[i]) return false
  return true
}

/** a Connection value that is only `close` or `keep-alive` (what nearly every message says): it names no other header */
export function namesNoHeader(buf: Buffer, at: number, len: number): boolean {
  return (len === 5 && valueHas(buf, at, len, CLOSE)) || (len === 10 && valueHas(buf, at, len, KEEP_ALIVE))
}

/** header value at buf[at, at+len) contains the token `lower` (e.g. `close` in a Connection value), ignoring case */
export function valueHas(buf: Buffer, at: number, len: number, lower: Buffer): boolean {
  const n = lower.length
  outer: for (let i = at; i + n <= at + len; i++) {
    for (let j = 0; j < n; j++) if (((buf[i + j] as number) | 0x20) !== lower[j]) continue outer
    return true
  }
  return false
}

/** writes the decimal digits of `n` (a non-negative integer) at out[pos]; returns how many (no string made) */
export function writeDigits(out: Buffer, pos: number, n: number): number {
  let digits = 1
  for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++
  for (let i = pos + digits - 1, m = n; i >= pos; i--, m = Math.floor(m / 10)) out[i] = 0x30 + (m % 10)
  return digits
}
