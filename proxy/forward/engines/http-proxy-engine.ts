import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { Readable } from 'node:stream'
import httpProxy from 'http-proxy'
import { EngineError, isEventStream, type EngineOptions, type ForwardCallbacks, type ForwardEngine, type ForwardRequest, type ForwardTarget } from './engine.js'
import { clerkLookup } from '../cached-lookup.js'

/** Per attempt state, carried to http-proxy's events in the per-call options object. */
interface Attempt {
  callbacks: ForwardCallbacks
  written: boolean
  settled: boolean
  aborted: boolean
  proxyReq: ClientRequest | undefined
  timer: NodeJS.Timeout | undefined
  /** the error we destroyed the request with (a timeout), reported instead of "socket hang up" */
  cause: Error | undefined
  /** stops a streamed answer (engine.ts: onStream) when the customer leaves; set while one flows */
  stopStream: (() => void) | undefined
}

type AttemptOptions = httpProxy.ServerOptions & { attempt: Attempt }

/**
 * The http-proxy engine (the package the project started with). One keep-alive Agent per clerk,
 * its idle timeout below the clerks' keepAliveTimeout (Fastify: 72 s) so the proxy closes an idle
 * socket before the clerk does and never writes into one the clerk is closing. Answers are
 * handled by us (selfHandleResponse) and buffered, so a broken answer is still a clean 502.
 * http-proxy is written for a node:http server's (req, res): the engine hands it stand-ins built
 * from the ForwardRequest (incomingFor, OUTGOING), so the rest of the proxy never lends it the
 * customer's own.
 */
export function createHttpProxyEngine(options: EngineOptions): ForwardEngine {
  const agents = new Map<string, Agent>()
  const proxy = httpProxy.createProxyServer({ selfHandleResponse: true, xfwd: false, ws: false, prependPath: false })

  function agentFor(target: ForwardTarget): Agent {
    let agent = agents.get(target.id)
    if (agent === undefined) {
      agent = new Agent({
        keepAlive: true,
        maxSockets: options.connectionsPerClerk,
        maxFreeSockets: options.connectionsPerClerk,
        timeout: options.keepAliveIdleMs,
        scheduling: 'lifo',
        lookup: clerkLookup,
      })
      agents.set(target.id, agent)
    }
    return agent
  }

  function settle(attempt: Attempt): boolean {
    if (attempt.settled) return false
    attempt.settled = true
    if (attempt.timer) clearTimeout(attempt.timer)
    return true
  }

  function fail(attempt: Attempt, err: unknown): void {
    if (!settle(attempt)) return
    attempt.callbacks.onError(attempt.cause ?? err, attempt.written)
  }

  // http-proxy emits 'proxyReq' once the outgoing request has a socket
  proxy.on('proxyReq', (proxyReq: ClientRequest, _req: IncomingMessage, _res: ServerResponse, opts: httpProxy.ServerOptions) => {
    const attempt = (opts as AttemptOptions).attempt
    attempt.proxyReq = proxyReq
    if (attempt.aborted) {
      proxyReq.destroy()
      return
    }
    const socket = proxyReq.socket
    if (socket && !socket.connecting && isClosedByClerk(socket)) {
      // The agent handed out a kept-alive socket whose clerk has already closed it (a clerk that
      // was just killed: its FIN was read, but the agent drops the socket only on 'close', a few
      // ticks later). Nothing has been written yet, so this is "never sent" and may go to
      // another clerk; without this check the write fails after the fact and a POST gets a 502.
      attempt.cause = new EngineError('PROXY_STALE_SOCKET', 'the clerk had closed this kept-alive connection')
      proxyReq.destroy()
      fail(attempt, attempt.cause)
      return
    }
    if (socket && !socket.connecting)
      attempt.written = true // a reused keep-alive socket
    else socket?.once('connect', () => (attempt.written = true))
    proxyReq.once('response', (proxyRes: IncomingMessage) => collect(attempt, proxyRes))
  })
  // errors that reach no callback (http-proxy's econnreset path when the customer already left)
  proxy.on('error', () => {})
  proxy.on('econnreset', () => {})

  function collect(attempt: Attempt, proxyRes: IncomingMessage): void {
    const statusCode = proxyRes.statusCode ?? 502
    if (attempt.callbacks.onStream !== undefined && !attempt.settled && isEventStream(statusCode, proxyRes.rawHeaders)) {
      stream(attempt, proxyRes, statusCode)
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    proxyRes.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > options.responseCapBytes) {
        attempt.cause = new EngineError('PROXY_RESPONSE_TOO_LARGE', `answer over ${options.responseCapBytes} bytes`)
        proxyRes.destroy()
        attempt.proxyReq?.destroy()
        fail(attempt, attempt.cause)
        return
      }
      chunks.push(chunk)
    })
    proxyRes.once('end', () => {
      if (!proxyRes.complete) return fail(attempt, Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
      if (!settle(attempt)) return
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)
      attempt.callbacks.onResponse(proxyRes.statusCode ?? 502, proxyRes.rawHeaders, body)
    })
    proxyRes.once('error', (err) => fail(attempt, err))
    proxyRes.once('aborted', () => fail(attempt, Object.assign(new Error('aborted'), { code: 'ECONNRESET' })))
    proxyRes.once('close', () => {
      if (!proxyRes.complete) fail(attempt, Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
    })
  }

  /** passes an event stream on chunk by chunk; its deadline is the gap between two chunks */
  function stream(attempt: Attempt, proxyRes: IncomingMessage, statusCode: number): void {
    settle(attempt)
    const sink = attempt.callbacks.onStream!(statusCode, proxyRes.rawHeaders)
    let open = true
    const close = (): boolean => {
      if (!open) return false
      open = false
      attempt.stopStream = undefined
      clearTimeout(idle)
      return true
    }
    const broke = (err: unknown) => {
      if (close()) sink.broke(err)
    }
    const idle = setTimeout(() => {
      broke(new EngineError('PROXY_UPSTREAM_TIMEOUT', 'no event in time'))
      proxyRes.destroy()
    }, options.upstreamTimeoutMs)
    idle.unref()
    attempt.stopStream = () => {
      close()
      proxyRes.destroy()
    }
    proxyRes.on('data', (chunk: Buffer) => {
      if (!open) return
      idle.refresh()
      sink.data(chunk)
    })
    proxyRes.once('end', () => {
      if (!proxyRes.complete) return broke(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
      if (close()) sink.end()
    })
    proxyRes.once('error', broke)
    proxyRes.once('close', () => broke(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })))
  }

  return {
    name: 'http-proxy',
    forward(target: ForwardTarget, request: ForwardRequest, callbacks: ForwardCallbacks) {
      const attempt: Attempt = {
        callbacks,
        written: false,
        settled: false,
        aborted: false,
        proxyReq: undefined,
        timer: undefined,
        cause: undefined,
        stopStream: undefined,
      }
      // one deadline per attempt: before the connect it is a connect timeout (never sent)
      attempt.timer = setTimeout(() => {
        const connecting = !attempt.written
        attempt.cause = connecting ? new EngineError('PROXY_CONNECT_TIMEOUT', 'connect timeout') : new EngineError('PROXY_UPSTREAM_TIMEOUT', 'upstream timeout')
        attempt.proxyReq?.destroy(attempt.cause)
        fail(attempt, attempt.cause)
      }, options.upstreamTimeoutMs)
      // a connect deadline shorter than the answer deadline
      if (options.connectTimeoutMs < options.upstreamTimeoutMs) {
        const connectTimer = setTimeout(() => {
          if (attempt.written || attempt.settled) return
          attempt.cause = new EngineError('PROXY_CONNECT_TIMEOUT', 'connect timeout')
          attempt.proxyReq?.destroy(attempt.cause)
          fail(attempt, attempt.cause)
        }, options.connectTimeoutMs)
        connectTimer.unref()
      }

      const opts: AttemptOptions = {
        target: target.url.origin,
        agent: agentFor(target),
        buffer: Readable.from(request.body ? [request.body] : []),
        attempt,
      }
      try {
        proxy.web(incomingFor(request), OUTGOING, opts, (err: Error) => fail(attempt, err))
      } catch (err) {
        fail(attempt, err)
      }
      return () => {
        if (attempt.stopStream !== undefined) {
          attempt.stopStream()
          attempt.proxyReq?.destroy()
          return
        }
        if (attempt.settled) return
        attempt.settled = true
        attempt.aborted = true
        if (attempt.timer) clearTimeout(attempt.timer)
        attempt.proxyReq?.destroy()
      }
    },
    async close() {
      proxy.close()
      for (const agent of agents.values()) agent.destroy()
      agents.clear()
    },
  }
}

/** the clerk's side of a kept-alive socket is gone (its FIN was read), or we are closing it */
function isClosedByClerk(socket: Socket): boolean {
  return socket.destroyed || socket.readableEnded || socket.writableEnded
}

/**
 * What http-proxy reads of a customer's request, built from the ForwardRequest: the method, the
 * path and our cleaned headers (setupOutgoing copies them), the socket only to ask whether the
 * customer is gone (the forwarder aborts the attempt itself when it is), and `on` for the
 * 'aborted' and 'error' listeners it would add (the body comes from `buffer`, never from here).
 */
function incomingFor(request: ForwardRequest): IncomingMessage {
  return {
    method: request.method,
    url: request.path,
    httpVersion: '1.1',
    headers: headerObject(request.headers),
    socket: CUSTOMER_SOCKET,
    on: ignore,
  } as unknown as IncomingMessage
}

const CUSTOMER_SOCKET = Object.freeze({ destroyed: false })
function ignore(this: unknown): unknown {
  return this
}

/** What http-proxy reads of the customer's response with selfHandleResponse: that nothing was sent yet. */
const OUTGOING = Object.freeze({ headersSent: false, finished: false }) as unknown as ServerResponse

/**
 * Flat headers as node's client takes them: a header sent twice (two Cookie lines, say) must reach
 * the clerk twice, and node writes an array value as one line per item (Cookie: joined with "; ").
 * http-proxy may add to the object (a Content-Length: 0 on DELETE), so each attempt gets its own.
 */
function headerObject(flat: readonly string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {}
  for (let i = 0; i < flat.length; i += 2) {
    const name = (flat[i] as string).toLowerCase()
    const value = flat[i + 1] as string
    const before = headers[name]
    headers[name] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value]
  }
  return headers
}
