import { dropConnectionOptions, MAX_HEADERS, nameIs, namesNoHeader, type HeadRanges } from './head-ranges.js'

/**
 * A customer's request head on the fast path: what each header line is to the proxy
 * (classifyRequest), whether the fast path takes the request at all, and the request as a clerk
 * gets it (buildRequest), made once and kept for every attempt. The rewrites are those
 * forward/headers.ts makes for the node:http front: hop-by-hop lines (and those a Connection line
 * names) dropped, a customer's X-Request-Deadline dropped, X-Forwarded-For extended with the
 * customer's address, the attempt's X-Request-Deadline added (and an Idempotency-Key of the
 * proxy's own, when the route gives one).
 */

const b = (s: string) => Buffer.from(s, 'latin1')
const CONNECTION = b('connection')
const CONTENT_LENGTH = b('content-length')
const COOKIE = b('cookie')
const EXPECT = b('expect')
const HOST = b('host')
const IDEMPOTENCY_KEY = b('idempotency-key')
const KEEP_ALIVE = b('keep-alive')
const MCP_SESSION_ID = b('mcp-session-id')
const ORIGIN = b('origin')
const PROXY_AUTHORIZATION = b('proxy-authorization')
const PROXY_CONNECTION = b('proxy-connection')
const SEC_FETCH_SITE = b('sec-fetch-site')
const TE = b('te')
const TRAILER = b('trailer')
const TRANSFER_ENCODING = b('transfer-encoding')
const UPGRADE = b('upgrade')
const X_FORWARDED_FOR = b('x-forwarded-for')
const X_REQUEST_DEADLINE = b('x-request-deadline')

const XFF_NAME = b('x-forwarded-for: ')
const KEY_NAME = b('idempotency-key: ')
const DEADLINE_NAME = b('x-request-deadline: ')
const COMMA = b(', ')
/** X-Request-Deadline's digits: ms since the epoch, 13 digits until the year 2286 */
export const DEADLINE_DIGITS = 13
const NO_DEADLINE_YET = b('0'.repeat(DEADLINE_DIGITS))
const CRLF = b('\r\n')

/** what a header line is to the proxy (HeadRanges.kind) */
const KEEP = 0
const DROP = 1
const FORWARDED_FOR = 2

/** why the fast path leaves a request to the node:http front (which answers it exactly as without the fast path) */
export const HAND_OVER = {
  /** Transfer-Encoding, Expect, Upgrade: node:http's body reading and protocol refusals */
  framing: 1,
  /** no Host or more than one: node:http's Host rules (refuseBadHost) */
  host: 2,
  /** Origin or Sec-Fetch-Site: a browser's request, for the cross-site check */
  browser: 3,
  /** a header the affinity reads given twice (Cookie is joined, Mcp-Session-Id is not) */
  repeated: 4,
  /** more header lines than HeadRanges holds */
  many: 5,
} as const

/** What a request head says to the proxy (filled by classifyRequest, one object per connection). */
export class RequestFacts {
  /** a HAND_OVER reason, 0 when the fast path takes the request */
  handOver = 0
  hasIdempotencyKey = false
  /** header index of the first X-Forwarded-For, -1 for none */
  forwardedFor = -1
  /** header index of each Cookie line (joined with '; ', as node:http joins them), -1 for none */
  cookie = -1
  cookies = 0
  mcpSessionId = -1
  /** the body's length from Content-Length (strict llhttp refused any other framing but chunked, handed over) */
  contentLength = 0
}

/** marks each header line of a request and reads the few the proxy needs */
export function classifyRequest(buf: Buffer, r: HeadRanges, facts: RequestFacts): void {
  facts.handOver = r.count >= MAX_HEADERS ? HAND_OVER.many : 0
  facts.hasIdempotencyKey = false
  facts.forwardedFor = -1
  facts.cookie = -1
  facts.cookies = 0
  facts.mcpSessionId = -1
  facts.contentLength = 0
  let hosts = 0
  let connection = -1
  for (let i = 0; i < r.count; i++) {
    const at = r.nameAt(i)
    const len = r.nameLength(i)
    let kind = KEEP
    switch (len) {
      case 2:
        if (nameIs(buf, at, len, TE)) kind = DROP
        break
      case 4:
        if (nameIs(buf, at, len, HOST)) hosts++
        break
      case 6:
        if (nameIs(buf, at, len, COOKIE)) {
          if (facts.cookie < 0) facts.cookie = i
          facts.cookies++
        } else if (nameIs(buf, at, len, EXPECT)) facts.handOver = HAND_OVER.framing
        else if (nameIs(buf, at, len, ORIGIN)) facts.handOver = HAND_OVER.browser
        break
      case 7:
        if (nameIs(buf, at, len, TRAILER)) kind = DROP
        else if (nameIs(buf, at, len, UPGRADE)) facts.handOver = HAND_OVER.framing
        break
      case 10:
        if (nameIs(buf, at, len, CONNECTION)) {
          kind = DROP
          if (!namesNoHeader(buf, r.valueAt(i), r.valueLength(i))) connection = i
        } else if (nameIs(buf, at, len, KEEP_ALIVE)) kind = DROP
        break
      case 14:
        if (nameIs(buf, at, len, CONTENT_LENGTH)) facts.contentLength = digits(buf, r.valueAt(i), r.valueLength(i))
        else if (nameIs(buf, at, len, MCP_SESSION_ID)) {
          if (facts.mcpSessionId >= 0) facts.handOver = HAND_OVER.repeated
          facts.mcpSessionId = i
        } else if (nameIs(buf, at, len, SEC_FETCH_SITE)) facts.handOver = HAND_OVER.browser
        break
      case 15:
        if (nameIs(buf, at, len, X_FORWARDED_FOR)) {
          kind = FORWARDED_FOR
          if (facts.forwardedFor < 0) facts.forwardedFor = i
        } else if (nameIs(buf, at, len, IDEMPOTENCY_KEY)) facts.hasIdempotencyKey = true
        break
      case 16:
        if (nameIs(buf, at, len, PROXY_CONNECTION)) kind = DROP
        break
      case 17:
        if (nameIs(buf, at, len, TRANSFER_ENCODING)) facts.handOver = HAND_OVER.framing
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
  if (hosts !== 1 && facts.handOver === 0) facts.handOver = HAND_OVER.host
  if (connection >= 0) dropConnectionOptions(buf, r, (i) => r.kind[i] === DROP || nameIs(buf, r.nameAt(i), r.nameLength(i), CONTENT_LENGTH))
}

/** a Content-Length value llhttp accepted: decimal digits (a body that large is refused before it is read) */
function digits(buf: Buffer, at: number, len: number): number {
  let n = 0
  for (let i = at; i < at + len; i++) {
    const c = buf[i] as number
    if (c >= 0x30 && c <= 0x39) n = n * 10 + (c - 0x30)
  }
  return n
}

/** the Cookie header as node:http gives it (lines joined with '; '), or undefined */
export function cookieHeader(buf: Buffer, r: HeadRanges, facts: RequestFacts): string | undefined {
  if (facts.cookie < 0) return undefined
  const first = buf.toString('latin1', r.valueAt(facts.cookie), r.valueAt(facts.cookie) + r.valueLength(facts.cookie))
  if (facts.cookies === 1) return first
  let joined = first
  for (let i = facts.cookie + 1; i < r.count; i++) {
    if (nameIs(buf, r.nameAt(i), r.nameLength(i), COOKIE)) joined += `; ${buf.toString('latin1', r.valueAt(i), r.valueAt(i) + r.valueLength(i))}`
  }
  return joined
}

/** the value of header `i` as a string, or undefined for -1 */
export function headerValue(buf: Buffer, r: HeadRanges, i: number): string | undefined {
  return i < 0 ? undefined : buf.toString('latin1', r.valueAt(i), r.valueAt(i) + r.valueLength(i))
}

const keepInRequest = (kind: number) => kind === KEEP

/** The request for a clerk, and where its deadline's digits are (each attempt writes its own). */
export interface BuiltRequest {
  bytes: Buffer
  deadlineAt: number
}

/**
 * The request buf[start, end) (no chunked body: those are handed over) as a clerk gets it: the kept
 * lines, X-Forwarded-For (every customer line's value in order, then `ip`), the proxy's
 * Idempotency-Key if any, X-Request-Deadline (digits written per attempt), the body.
 */
export function buildRequest(buf: Buffer, start: number, end: number, r: HeadRanges, facts: RequestFacts, ip: Buffer, proxyKey: string | undefined): BuiltRequest {
  const headEnd = r.headEnd(buf, start)
  let xffLen = 0
  if (facts.forwardedFor >= 0) for (let i = facts.forwardedFor; i < r.count; i++) if (r.kind[i] === FORWARDED_FOR) xffLen += r.valueLength(i) + 2
  const out = Buffer.allocUnsafe(end - start + 64 + xffLen + ip.length + (proxyKey === undefined ? 0 : proxyKey.length + 19))
  let pos = r.copyLines(buf, start, headEnd, out, 0, keepInRequest)
  pos += XFF_NAME.copy(out, pos)
  if (facts.forwardedFor >= 0) {
    for (let i = facts.forwardedFor; i < r.count; i++) {
      if (r.kind[i] !== FORWARDED_FOR) continue
      pos += buf.copy(out, pos, r.valueAt(i), r.valueAt(i) + r.valueLength(i))
      pos += COMMA.copy(out, pos)
    }
  }
  pos += ip.copy(out, pos)
  pos += CRLF.copy(out, pos)
  if (proxyKey !== undefined) {
    pos += KEY_NAME.copy(out, pos)
    pos += out.write(proxyKey, pos, 'latin1')
    pos += CRLF.copy(out, pos)
  }
  pos += DEADLINE_NAME.copy(out, pos)
  const deadlineAt = pos
  pos += NO_DEADLINE_YET.copy(out, pos)
  pos += CRLF.copy(out, pos)
  pos += CRLF.copy(out, pos)
  pos += buf.copy(out, pos, headEnd, end)
  return { bytes: out.subarray(0, pos), deadlineAt }
}
