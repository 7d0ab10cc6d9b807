import { dropConnectionOptions, nameIs, namesNoHeader, valueHas, writeDigits, type HeadRanges } from './head-ranges.js'

/**
 * A clerk's answer on the fast path: what each header line is (classifyAnswer), and the answer as
 * the customer gets it, in one buffer (writeAnswer) or as a stream's head (writeStreamHead). The
 * rewrites are those forward/headers.ts makes for the node:http front, and what node:http itself
 * adds to an answer: hop-by-hop lines dropped, the body framed by one Content-Length (or chunked,
 * for a stream), the proxy's own lines (Set-Cookie, X-Retried, X-Redispatched), a Date when the
 * clerk sent none, and Connection / Keep-Alive for the customer's connection.
 */

const b = (s: string) => Buffer.from(s, 'latin1')
const CONNECTION = b('connection')
const CONTENT_LENGTH = b('content-length')
const CONTENT_TYPE = b('content-type')
const DATE = b('date')
const KEEP_ALIVE = b('keep-alive')
const PROXY_CONNECTION = b('proxy-connection')
const TRAILER = b('trailer')
const TRANSFER_ENCODING = b('transfer-encoding')
const UPGRADE = b('upgrade')
const CLOSE = b('close')
const EVENT_STREAM = b('text/event-stream')

const HTTP11 = b('HTTP/1.1')
const CRLF = b('\r\n')
const CONTENT_LENGTH_NAME = b('content-length: ')
/** node:http's own lines for a kept-alive HTTP/1.1 connection (server.keepAliveTimeout is 65 s) */
const KEEP_ALIVE_LINES = b('connection: keep-alive\r\nkeep-alive: timeout=65\r\n')
const CLOSE_LINE = b('connection: close\r\n')
const CHUNKED_LINE = b('transfer-encoding: chunked\r\n')

const KEEP = 0
const DROP = 1

/** What an answer head says (filled by classifyAnswer; one per clerk connection, valid until its next answer). */
export class AnswerHead {
  statusCode = 0
  buf: Buffer = Buffer.alloc(0)
  /** the offset of its status line, and just past its blank line */
  start = 0
  headEnd = 0
  date = false
  /** Connection: close (a 503 with it is a clerk shutting down: failures.ts `closing`) */
  closes = false
  eventStream = false

  constructor(readonly ranges: HeadRanges) {}
}

/** marks each header line of an answer and reads the few the proxy needs */
export function classifyAnswer(head: AnswerHead): void {
  const { buf, ranges: r } = head
  let connection = -1
  head.date = false
  head.closes = false
  head.eventStream = false
  for (let i = 0; i < r.count; i++) {
    const at = r.nameAt(i)
    const len = r.nameLength(i)
    let kind = KEEP
    switch (len) {
      case 4:
        if (nameIs(buf, at, len, DATE)) head.date = true
        break
      case 7:
        if (nameIs(buf, at, len, TRAILER) || nameIs(buf, at, len, UPGRADE)) kind = DROP
        break
      case 10:
        if (nameIs(buf, at, len, CONNECTION)) {
          kind = DROP
          if (!namesNoHeader(buf, r.valueAt(i), r.valueLength(i))) connection = i
          if (valueHas(buf, r.valueAt(i), r.valueLength(i), CLOSE)) head.closes = true
        } else if (nameIs(buf, at, len, KEEP_ALIVE)) kind = DROP
        break
      case 12:
        if (head.statusCode === 200 && nameIs(buf, at, len, CONTENT_TYPE)) head.eventStream = isEventStreamType(buf, r.valueAt(i), r.valueLength(i))
        break
      case 14:
        if (nameIs(buf, at, len, CONTENT_LENGTH)) kind = DROP // every body is framed again: its length, or chunked for a stream
        break
      case 16:
        if (nameIs(buf, at, len, PROXY_CONNECTION)) kind = DROP
        break
      case 17:
        if (nameIs(buf, at, len, TRANSFER_ENCODING)) kind = DROP
        break
    }
    r.kind[i] = kind
  }
  if (connection >= 0) dropConnectionOptions(buf, r, (i) => r.kind[i] === DROP)
}

/** `text/event-stream`, alone or before parameters, as engine.ts isEventStream reads it */
function isEventStreamType(buf: Buffer, at: number, len: number): boolean {
  let i = at
  const end = at + len
  while (i < end && (buf[i] === 0x20 || buf[i] === 0x09)) i++
  if (end - i < EVENT_STREAM.length) return false
  for (let j = 0; j < EVENT_STREAM.length; j++) if (((buf[i + j] as number) | 0x20) !== EVENT_STREAM[j]) return false
  i += EVENT_STREAM.length
  while (i < end && (buf[i] === 0x20 || buf[i] === 0x09)) i++
  return i === end || buf[i] === 0x3b // ';'
}

const keepInAnswer = (kind: number) => kind === KEEP

/** the lines the proxy adds, each ending in CRLF (made per answer only when there are any) */
export interface AddedLines {
  /** Set-Cookie, X-Retried, X-Redispatched: undefined for none */
  proxy: Buffer | undefined
  /** the Date line when the clerk sent none */
  date: Buffer | undefined
  /** the customer's connection closes after this answer */
  close: boolean
}

/** the answer with its body, whole: one buffer, one write */
export function writeAnswer(head: AnswerHead, body: Buffer, added: AddedLines): Buffer {
  const { buf, ranges: r } = head
  const size = head.headEnd - head.start + 64 + (added.proxy?.length ?? 0) + (added.date?.length ?? 0) + KEEP_ALIVE_LINES.length + 16 + body.length
  const out = Buffer.allocUnsafe(size)
  let pos = startAndKeptLines(buf, r, head, out, added)
  pos += CONTENT_LENGTH_NAME.copy(out, pos)
  pos += writeDigits(out, pos, body.length)
  pos += CRLF.copy(out, pos)
  pos += CRLF.copy(out, pos)
  pos += body.copy(out, pos)
  return out.subarray(0, pos)
}

/** an event stream's head: its body follows chunked (writeChunk), as node:http frames a stream */
export function writeStreamHead(head: AnswerHead, added: AddedLines): Buffer {
  const out = Buffer.allocUnsafe(head.headEnd - head.start + 64 + (added.proxy?.length ?? 0) + (added.date?.length ?? 0) + KEEP_ALIVE_LINES.length + CHUNKED_LINE.length)
  let pos = startAndKeptLines(head.buf, head.ranges, head, out, added)
  pos += CHUNKED_LINE.copy(out, pos)
  pos += CRLF.copy(out, pos)
  return out.subarray(0, pos)
}

/** one chunk of a chunked body */
export function writeChunk(data: Buffer): Buffer {
  const size = data.length.toString(16)
  const out = Buffer.allocUnsafe(size.length + 4 + data.length)
  let pos = out.write(size, 0, 'latin1')
  pos += CRLF.copy(out, pos)
  pos += data.copy(out, pos)
  CRLF.copy(out, pos)
  return out
}

export const LAST_CHUNK = b('0\r\n\r\n')

/** "HTTP/1.1" and the clerk's status code and reason, the kept lines, the added ones, the connection's */
function startAndKeptLines(buf: Buffer, r: HeadRanges, head: AnswerHead, out: Buffer, added: AddedLines): number {
  let pos = HTTP11.copy(out, 0)
  pos = r.copyLines(buf, head.start + HTTP11.length, head.headEnd, out, pos, keepInAnswer)
  if (added.proxy !== undefined) pos += added.proxy.copy(out, pos)
  if (added.date !== undefined && !head.date) pos += added.date.copy(out, pos)
  pos += (added.close ? CLOSE_LINE : KEEP_ALIVE_LINES).copy(out, pos)
  return pos
}
