import type { ForwardRequest } from './engine.js'

/**
 * The bytes of one request to a clerk, written by the net engine: the request line, the headers
 * the forwarder prepared (hop-by-hop removed, Content-Length, X-Forwarded-For and
 * X-Request-Deadline set), a Host when the customer sent none, and `Connection: keep-alive`; then
 * the buffered body. The engine frames every body itself with one Content-Length (the body is
 * buffered whole), so no customer's framing reaches a clerk.
 *
 * What cannot be written as it was given is refused before a byte goes out, with the codes
 * failures.ts files as the customer's fault (`unforwardable`): a method or header name that is
 * not a token, a control byte in a path or a header value, two Host lines, a framing or
 * connection header (the forwarder never passes one; refused here so nothing depends on that).
 */

/** RFC 9110 §5.6.2 token */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** a header value: visible latin1 bytes, spaces and tabs (RFC 9110 §5.5, obs-text allowed) */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
/** an origin-form target (RFC 9112 §3.2.1) or `*`: no space, no control byte, nothing above latin1 */
const TARGET = /^(\/[\x21-\x7e\x80-\xff]*|\*)$/

/** headers the engine writes itself, or that no request to a clerk may carry */
const REFUSED_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect'])

export class UnforwardableRequest extends Error {
  constructor(
    readonly code: 'ERR_INVALID_HTTP_TOKEN' | 'ERR_INVALID_CHAR' | 'ERR_INVALID_ARG_VALUE',
    message: string,
  ) {
    super(message)
    this.name = 'UnforwardableRequest'
  }
}

/**
 * The request's head as latin1 text (every character checked to be one byte), or throws
 * UnforwardableRequest. `host` is the clerk's host:port, sent when the customer sent no Host.
 */
export function requestHead(request: ForwardRequest, host: string): string {
  const { method, path, headers, body } = request
  if (!TOKEN.test(method)) throw new UnforwardableRequest('ERR_INVALID_HTTP_TOKEN', 'the method is not a token')
  if (!TARGET.test(path)) throw new UnforwardableRequest('ERR_INVALID_CHAR', 'the path has a character a request line cannot carry')
  let head = `${method} ${path} HTTP/1.1\r\n`
  let sawHost = false
  let length: string | undefined
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string
    const value = headers[i + 1] as string
    if (!TOKEN.test(name)) throw new UnforwardableRequest('ERR_INVALID_HTTP_TOKEN', `the header name "${printable(name)}" is not a token`)
    if (!FIELD_VALUE.test(value)) throw new UnforwardableRequest('ERR_INVALID_CHAR', `the header ${name} has a character a header cannot carry`)
    const lower = name.toLowerCase()
    if (lower === 'host') {
      if (sawHost) throw new UnforwardableRequest('ERR_INVALID_ARG_VALUE', 'the request has two Host lines')
      sawHost = true
    } else if (lower === 'content-length') {
      if (length !== undefined) throw new UnforwardableRequest('ERR_INVALID_ARG_VALUE', 'the request has two Content-Length lines')
      length = value
      continue // written below, from the body itself
    } else if (REFUSED_HEADERS.has(lower)) throw new UnforwardableRequest('ERR_INVALID_ARG_VALUE', `the header ${name} belongs to one connection and is not forwarded`)
    head += `${name}: ${value}\r\n`
  }
  const bodyLength = body?.length ?? 0
  if (length !== undefined && length !== String(bodyLength)) throw new UnforwardableRequest('ERR_INVALID_ARG_VALUE', 'the Content-Length is not the length of the body')
  if (!sawHost) head += `host: ${host}\r\n`
  // a body's length always; a POST or PUT without one says 0, as undici and node do
  if (bodyLength > 0 || length !== undefined || method === 'POST' || method === 'PUT' || method === 'PATCH') head += `content-length: ${bodyLength}\r\n`
  return head + 'connection: keep-alive\r\n\r\n'
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 40)
}
