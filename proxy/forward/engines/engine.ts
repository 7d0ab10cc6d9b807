import type { EngineName } from '../../options.js'

/**
 * The forwarding engine's one job: send this request to that clerk and call back once, either
 * with the whole answer or with the error and whether the request had started to go out.
 * Engines know nothing of policies, retries or statuses, nor of the customer's connection:
 * failures.ts maps their errors, forwarder.ts decides what to do next and writes the answer.
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

export interface ForwardCallbacks {
  /** the whole answer; headers flat, hop-by-hop and length headers still in (the forwarder filters) */
  onResponse(statusCode: number, rawHeaders: string[], body: Buffer): void
  /** `written`: the request had started to go out on a connected socket */
  onError(err: unknown, written: boolean): void
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
