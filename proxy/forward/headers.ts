/** when the proxy stops waiting for this attempt, in ms since the epoch (docs/contract.md) */
const DEADLINE_HEADER = 'x-request-deadline'

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never forwarded; the
 * length headers are dropped because the proxy re-frames every body it forwards (it buffers it).
 */
const REQUEST_DROP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect', // the proxy has already read the body; undici refuses Expect
  'content-length',
  DEADLINE_HEADER, // the proxy's own: set per attempt (setRequestDeadline)
])

const RESPONSE_DROP = new Set(['connection', 'keep-alive', 'proxy-connection', 'trailer', 'transfer-encoding', 'upgrade', 'content-length'])

/**
 * The header names a message's Connection lines list (RFC 9110 §7.6.1: hop-by-hop too, so a proxy
 * removes them), or undefined when it lists none beyond `close` and `keep-alive`.
 */
export function connectionOptions(rawHeaders: readonly string[]): ReadonlySet<string> | undefined {
  let names: Set<string> | undefined
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue
    for (const option of (rawHeaders[i + 1] as string).split(',')) {
      const token = option.trim().toLowerCase()
      if (token !== '' && token !== 'close' && token !== 'keep-alive') (names ??= new Set()).add(token)
    }
  }
  return names
}

/** the customer's raw headers, cleaned for the clerk, with content-length and x-forwarded-for set */
export function requestHeadersForClerk(rawHeaders: string[], bodyLength: number, remoteAddress: string | undefined): string[] {
  const out: string[] = []
  let forwardedFor: string | undefined
  const listed = connectionOptions(rawHeaders)
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    const lower = name.toLowerCase()
    if (REQUEST_DROP.has(lower) || listed?.has(lower) === true) continue
    if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? rawHeaders[i + 1] : `${forwardedFor}, ${rawHeaders[i + 1] as string}`
      continue
    }
    out.push(name, rawHeaders[i + 1] as string)
  }
  if (remoteAddress !== undefined) {
    out.push('x-forwarded-for', forwardedFor === undefined ? remoteAddress : `${forwardedFor}, ${remoteAddress}`)
  }
  if (bodyLength > 0) out.push('content-length', String(bodyLength))
  return out
}

/** the clerk's raw headers, cleaned for the customer (content-length is set by the forwarder) */
export function responseHeadersForCustomer(rawHeaders: string[]): string[] {
  const out: string[] = []
  const listed = connectionOptions(rawHeaders)
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    const lower = name.toLowerCase()
    if (RESPONSE_DROP.has(lower) || listed?.has(lower) === true) continue
    out.push(name, rawHeaders[i + 1] as string)
  }
  return out
}

/** the first value of header `lowerName` in raw headers, or undefined */
export function rawHeaderValue(rawHeaders: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return rawHeaders[i + 1]
  }
  return undefined
}

/**
 * Writes this attempt's deadline as the last header pair: added by the first attempt, rewritten
 * by each retry. A customer's own X-Request-Deadline never gets this far (REQUEST_DROP), so a last
 * pair of that name is ours.
 */
export function setRequestDeadline(headers: string[], epochMs: number): void {
  const n = headers.length
  if (n >= 2 && headers[n - 2] === DEADLINE_HEADER) headers[n - 1] = String(epochMs)
  else headers.push(DEADLINE_HEADER, String(epochMs))
}
