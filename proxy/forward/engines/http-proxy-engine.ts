import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { Readable } from 'node:stream'
import httpProxy from 'http-proxy'
import { EngineError, type EngineOptions, type ForwardCallbacks, type ForwardEngine, type ForwardRequest, type ForwardTarget } from './engine.js'

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
}

type AttemptOptions = httpProxy.ServerOptions & { attempt: Attempt }

/**
 * The http-proxy engine (the package the project started with). One keep-alive Agent per clerk,
 * its idle timeout below the clerks' keepAliveTimeout (Fastify: 72 s) so the proxy closes an idle
 * socket before the clerk does and never writes into one the clerk is closing. Answers are
 * handled by us (selfHandleResponse) and buffered, so a broken answer is still a clean 502.
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
    const socket = proxyReq.socket as Socket | null
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
    if (socket && !socket.connecting) attempt.written = true // a reused keep-alive socket
    else socket?.once('connect', () => (attempt.written = true))
    proxyReq.once('response', (proxyRes: IncomingMessage) => collect(attempt, proxyRes))
  })
  // errors that reach no callback (http-proxy's econnreset path when the customer already left)
  proxy.on('error', () => {})
  proxy.on('econnreset', () => {})

  function collect(attempt: Attempt, proxyRes: IncomingMessage): void {
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
      }
      // one deadline per attempt: before the connect it is a connect timeout (never sent)
      attempt.timer = setTimeout(() => {
        const connecting = !attempt.written
        attempt.cause = connecting
          ? new EngineError('PROXY_CONNECT_TIMEOUT', 'connect timeout')
          : new EngineError('PROXY_UPSTREAM_TIMEOUT', 'upstream timeout')
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

      // a header sent twice (two Cookie lines, say) must reach the clerk twice: node's client
      // writes an array value as one line per item (and joins Cookie with "; ")
      const headers: Record<string, string | string[]> = {}
      for (let i = 0; i < request.headers.length; i += 2) {
        const name = (request.headers[i] as string).toLowerCase()
        const value = request.headers[i + 1] as string
        const before = headers[name]
        headers[name] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value]
      }
      const incoming = request.incoming
      // http-proxy copies the customer's headers; we send our cleaned set instead
      const saved = incoming.headers
      incoming.headers = headers
      const body = request.body
      const opts: AttemptOptions = {
        target: target.url.origin,
        agent: agentFor(target),
        buffer: Readable.from(body ? [body] : []),
        attempt,
      }
      try {
        proxy.web(incoming, request.outgoing, opts, (err: Error) => fail(attempt, err))
      } catch (err) {
        fail(attempt, err)
      } finally {
        incoming.headers = saved
      }
      return () => {
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
