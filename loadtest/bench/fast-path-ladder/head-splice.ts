import { HeadRanges, nameIs } from '../../../proxy/fast/head-ranges.js'

export { HeadRanges }

/**
 * Shared by rungs d and e: the head rewrites the proxy must do, done on byte ranges llhttp
 * reported (HeadRanges) instead of header objects. A request to a clerk is its request line and
 * kept header lines copied as runs of bytes, then X-Forwarded-For and X-Request-Deadline, then the
 * body; an answer to a customer is its status line and kept lines, then Set-Cookie (and X-Retried),
 * then the body. A chunked body is re-framed with one Content-Length (it is buffered whole anyway).
 * Strict llhttp has already refused obs-fold, bare LF, CL with TE and two lengths, so every header
 * is one line and line i ends where line i+1 starts.
 */

const b = (s: string) => Buffer.from(s, 'latin1')
const CONNECTION = b('connection')
const KEEP_ALIVE = b('keep-alive')
const PROXY_CONNECTION = b('proxy-connection')
const PROXY_AUTHORIZATION = b('proxy-authorization')
const TE = b('te')
const TRAILER = b('trailer')
const TRANSFER_ENCODING = b('transfer-encoding')
const UPGRADE = b('upgrade')
const EXPECT = b('expect')
const X_REQUEST_DEADLINE = b('x-request-deadline')
const X_FORWARDED_FOR = b('x-forwarded-for')
const COOKIE = b('cookie')
const IDEMPOTENCY_KEY = b('idempotency-key')
const HOST = b('host')
const LB_CLERK = b('lb_clerk=')
const XFF_NAME = b('x-forwarded-for: ')
const DEADLINE_NAME = b('x-request-deadline: ')
const COMMA = b(', ')
const CRLF = b('\r\n')

/** what a header line is to the proxy */
export const KEEP = 0
export const DROP = 1
export const HOST_LINE = 2
export const COOKIE_LINE = 3
export const XFF_LINE = 4
export const IDEMPOTENCY_LINE = 5
export const CHUNKED_LINE = 6
export const CONNECTION_LINE = 7

/** What a customer's request head says to the proxy (filled by classifyRequest). */
export interface RequestFacts {
  /** index of the clerk the lb_clerk cookie names, -1 for none */
  pin: number
  idempotencyKey: boolean
  chunked: boolean
  /** header index of the customer's X-Forwarded-For, -1 for none */
  forwardedFor: number
  /** two Host lines: refused */
  twoHosts: boolean
}

/** marks each header line of a request and reads the few the proxy needs; `cookieIds` the clerks' cookie values */
export function classifyRequest(buf: Buffer, r: HeadRanges, cookieIds: readonly Buffer[], facts: RequestFacts): void {
  facts.pin = -1
  facts.idempotencyKey = false
  facts.chunked = false
  facts.forwardedFor = -1
  facts.twoHosts = false
  let hosts = 0
  let connection = -1
  for (let i = 0; i < r.count; i++) {
    const at = r.header[i * 4] as number
    const len = r.header[i * 4 + 1] as number
    let kind = KEEP
    switch (len) {
      case 2:
        if (nameIs(buf, at, len, TE)) kind = DROP
        break
      case 4:
        if (nameIs(buf, at, len, HOST)) {
          kind = HOST_LINE
          hosts++
        }
        break
      case 6:
        if (nameIs(buf, at, len, COOKIE)) {
          kind = COOKIE_LINE
          facts.pin = readPin(buf, r.header[i * 4 + 2] as number, r.header[i * 4 + 3] as number, cookieIds)
        } else if (nameIs(buf, at, len, EXPECT)) kind = DROP
        break
      case 7:
        if (nameIs(buf, at, len, TRAILER) || nameIs(buf, at, len, UPGRADE)) kind = DROP
        break
      case 10:
        if (nameIs(buf, at, len, CONNECTION)) {
          kind = CONNECTION_LINE
          connection = i
        } else if (nameIs(buf, at, len, KEEP_ALIVE)) kind = DROP
        break
      case 15:
        if (nameIs(buf, at, len, X_FORWARDED_FOR)) {
          kind = XFF_LINE
          facts.forwardedFor = i // a second one: only the last is merged (a prototype's shortcut)
        } else if (nameIs(buf, at, len, IDEMPOTENCY_KEY)) {
          kind = IDEMPOTENCY_LINE
          facts.idempotencyKey = true
        }
        break
      case 16:
        if (nameIs(buf, at, len, PROXY_CONNECTION)) kind = DROP
        break
      case 17:
        if (nameIs(buf, at, len, TRANSFER_ENCODING)) {
          kind = CHUNKED_LINE // llhttp accepted it, so chunked is its last coding
          facts.chunked = true
        }
        break
      case 18:
        if (nameIs(buf, at, len, X_REQUEST_DEADLINE)) kind = DROP
        break
      case 19:
        if (nameIs(buf, at, len, PROXY_AUTHORIZATION)) kind = DROP
        break
    }
    r.kind[i] = kind
  }
  facts.twoHosts = hosts > 1
  if (connection >= 0) dropConnectionOptions(buf, r, connection)
}

/** the header names a Connection line lists are hop-by-hop too (RFC 9110 §7.6.1): the rare path, with strings */
function dropConnectionOptions(buf: Buffer, r: HeadRanges, line: number): void {
  const value = buf.toString('latin1', r.header[line * 4 + 2], (r.header[line * 4 + 2] as number) + (r.header[line * 4 + 3] as number)).toLowerCase()
  const names = new Set(value.split(',').map((s) => s.trim()))
  for (let i = 0; i < r.count; i++) {
    if (r.kind[i] !== KEEP) continue
    const at = r.header[i * 4] as number
    if (names.has(buf.toString('latin1', at, at + (r.header[i * 4 + 1] as number)).toLowerCase())) r.kind[i] = DROP
  }
}

/** the clerk an `lb_clerk=` cookie in buf[at, at+len) names, or -1 */
function readPin(buf: Buffer, at: number, len: number, cookieIds: readonly Buffer[]): number {
  const end = at + len
  let i = buf.indexOf(LB_CLERK, at)
  while (i >= 0 && i < end) {
    if (i === at || buf[i - 1] === 0x20 || buf[i - 1] === 0x3b) {
      const from = i + LB_CLERK.length
      let to = buf.indexOf(0x3b, from) // ';'
      if (to < 0 || to > end) to = end
      for (let c = 0; c < cookieIds.length; c++) {
        const id = cookieIds[c] as Buffer
        if (to - from === id.length && buf.compare(id, 0, id.length, from, to) === 0) return c
      }
      return -1
    }
    i = buf.indexOf(LB_CLERK, i + 1)
  }
  return -1
}

const keepInRequest = (kind: number) => kind === KEEP || kind === HOST_LINE || kind === COOKIE_LINE || kind === IDEMPOTENCY_LINE
const keepInAnswer = (kind: number) => kind === KEEP

/** copies the body: the bytes after the head, or a chunked body's pieces */
function copyBody(buf: Buffer, r: HeadRanges, chunked: boolean, headEnd: number, end: number, out: Buffer, pos: number): number {
  if (!chunked) return pos + buf.copy(out, pos, headEnd, end)
  for (let p = 0; p < r.pieces; p++) {
    const at = r.body[p * 2] as number
    pos += buf.copy(out, pos, at, at + (r.body[p * 2 + 1] as number))
  }
  return pos
}

/** `scratch` when given and big enough (a caller's buffer it knows is free again), else a new one */
function outBuffer(size: number, scratch: Buffer | undefined): Buffer {
  return scratch !== undefined && scratch.length >= size ? scratch : Buffer.allocUnsafe(size)
}

/** The request for a clerk, and where its deadline's digits are (a retry rewrites them in a copy). */
export interface BuiltRequest {
  bytes: Buffer
  deadlineAt: number
}

/**
 * The request buf[start, end) as a clerk gets it: hop-by-hop lines dropped, X-Forwarded-For
 * (the customer's, then `ip`) and X-Request-Deadline added, a chunked body re-framed.
 */
export function buildRequest(buf: Buffer, start: number, end: number, r: HeadRanges, facts: RequestFacts, ip: Buffer, deadlineMs: number, scratch?: Buffer): BuiltRequest {
  const headEnd = r.headEnd(buf, start)
  const xff = facts.forwardedFor
  const xffLen = xff < 0 ? 0 : (r.header[xff * 4 + 3] as number) + 2
  const out = outBuffer(end - start + 96 + xffLen + ip.length, scratch)
  let pos = r.copyLines(buf, start, headEnd, out, 0, keepInRequest)
  pos += XFF_NAME.copy(out, pos)
  if (xff >= 0) {
    const at = r.header[xff * 4 + 2] as number
    pos += buf.copy(out, pos, at, at + (r.header[xff * 4 + 3] as number))
    pos += COMMA.copy(out, pos)
  }
  pos += ip.copy(out, pos)
  pos += CRLF.copy(out, pos)
  pos += DEADLINE_NAME.copy(out, pos)
  const deadlineAt = pos
  pos += out.write(String(deadlineMs), pos, 'latin1')
  pos += CRLF.copy(out, pos)
  if (facts.chunked) pos += out.write(`content-length: ${r.bodyLength}\r\n`, pos, 'latin1')
  pos += CRLF.copy(out, pos)
  pos = copyBody(buf, r, facts.chunked, headEnd, end, out, pos)
  return { bytes: out.subarray(0, pos), deadlineAt }
}

/** marks each header line of an answer: hop-by-hop lines dropped, a chunked one re-framed; true if chunked */
export function classifyAnswer(buf: Buffer, r: HeadRanges): boolean {
  let chunked = false
  for (let i = 0; i < r.count; i++) {
    const at = r.header[i * 4] as number
    const len = r.header[i * 4 + 1] as number
    let kind = KEEP
    if (len === 10 && (nameIs(buf, at, len, CONNECTION) || nameIs(buf, at, len, KEEP_ALIVE))) kind = DROP
    else if (len === 7 && (nameIs(buf, at, len, TRAILER) || nameIs(buf, at, len, UPGRADE))) kind = DROP
    else if (len === 16 && nameIs(buf, at, len, PROXY_CONNECTION)) kind = DROP
    else if (len === 17 && nameIs(buf, at, len, TRANSFER_ENCODING)) {
      kind = CHUNKED_LINE
      chunked = true
    }
    r.kind[i] = kind
  }
  return chunked
}

/** The answer buf[start, end) as the customer gets it, with `extra` header lines (each ending in CRLF) added. */
export function buildAnswer(buf: Buffer, start: number, end: number, r: HeadRanges, chunked: boolean, extra: Buffer | undefined, scratch?: Buffer): Buffer {
  const headEnd = r.headEnd(buf, start)
  const out = outBuffer(end - start + 32 + (extra?.length ?? 0), scratch)
  let pos = r.copyLines(buf, start, headEnd, out, 0, keepInAnswer)
  if (extra !== undefined) pos += extra.copy(out, pos)
  if (chunked) pos += out.write(`content-length: ${r.bodyLength}\r\n`, pos, 'latin1')
  pos += CRLF.copy(out, pos)
  pos = copyBody(buf, r, chunked, headEnd, end, out, pos)
  return out.subarray(0, pos)
}
