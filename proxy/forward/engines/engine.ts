import type { EngineName } from '../../options.js'

/**
 * The forwarding engine's one job: send this request to that clerk and call back once, either
 * with the whole answer or with the error and whether the request had started to go out.
 * Engines know nothing of policies, retries or statuses, nor of the customer's connection:
 * failures.ts maps their errors, exchange.ts decides what to do next and its front writes the answer.
 * Anything that can send bytes to a clerk and say how it went fits behind it (undici, http-proxy
 * over node:http; a raw node:net engine could).
 */
export interface ForwardTarget {
  readonly id: string
  readonly url: URL
}

export interface ForwardRequest {
  method: string
  /** path and query, as the customer sent it */
  path: string
  /** flat [name, value, name, value, ...], hop-by-hop headers removed, content-length set */
  headers: string[]
  /** the buffered body, replayable on a retry */
  body: Buffer | undefined
}

/**
 * `A` is the answer's head as the engine read it: flat raw headers for the engines behind the
 * node:http front (hop-by-hop and length headers still in: the forwarder filters), the byte
 * ranges llhttp reported for the fast path (proxy/fast/), valid only during the call.
 */
export interface ForwardCallbacks<A = string[]> {
  /** the whole answer */
  onResponse(statusCode: number, answer: A, body: Buffer): void
  /** `written`: the request had started to go out on a connected socket */
  onError(err: unknown, written: boolean): void
  /**
   * An answer that is a stream (isEventStream): called at its headers instead of onResponse, and
   * the attempt is settled (no onError, no retry: bytes will reach the customer). The engine then
   * passes each chunk as it comes, unbuffered, and ends with exactly one of end() or broke().
   * Without it, an event stream is buffered like any answer.
   */
  onStream?(statusCode: number, answer: A): StreamSink
}

/** Where an engine pours a streamed answer. */
export interface StreamSink {
  data(chunk: Buffer): void
  /** the clerk ended the stream */
  end(): void
  /** the clerk broke off (died, reset) or sent nothing for PROXY_UPSTREAM_TIMEOUT_MS */
  broke(err: unknown): void
}

/**
 * An answer streamed rather than buffered: a 200 of type text/event-stream (an MCP tool's
 * progress, server-sent events). Its deadline is then the gap between two chunks, not the whole
 * answer, so a stream lives as long as events flow.
 */
export function isEventStream(statusCode: number, rawHeaders: readonly (string | Buffer)[]): boolean {
  if (statusCode !== 200) return false
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = String(rawHeaders[i])
    if (name.length === 12 && name.toLowerCase() === 'content-type') return /^\s*text\/event-stream\s*(;|$)/i.test(String(rawHeaders[i + 1]))
  }
  return false
}

export interface ForwardEngine {
  readonly name: EngineName
  /** starts one attempt; the returned function aborts it (no callback follows an abort) */
  forward(target: ForwardTarget, request: ForwardRequest, callbacks: ForwardCallbacks): () => void
  close(): Promise<void>
}

export interface EngineOptions {
  upstreamTimeoutMs: number
  connectTimeoutMs: number
  connectionsPerClerk: number
  keepAliveIdleMs: number
  responseCapBytes: number
}

/** An error the engines raise themselves, with a code failures.ts knows. */
export class EngineError extends Error {
  constructor(
    readonly code: 'PROXY_CONNECT_TIMEOUT' | 'PROXY_UPSTREAM_TIMEOUT' | 'PROXY_PER_TRY_TIMEOUT' | 'PROXY_RESPONSE_TOO_LARGE' | 'PROXY_ABORTED' | 'PROXY_STALE_SOCKET',
    message: string,
  ) {
    super(message)
    this.name = 'EngineError'
  }
}
