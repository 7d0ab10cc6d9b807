import type { IncomingMessage, ServerResponse } from 'node:http'
import { formatSse, type ProxyEvent } from '../state/events.js'
import type { ProxyStatus } from '../state/status.js'

export interface EventSource {
  subscribe(listener: (event: ProxyEvent) => void): () => void
  /** the current status, for the `hello` event */
  status(): Promise<ProxyStatus> | ProxyStatus
  /** the last minutes of events, oldest first: replayed after the `hello` */
  history?(): ProxyEvent[]
}

const HEARTBEAT_MS = 15_000 // 15 s: keeps idle proxies and browsers from closing the stream

/**
 * GET /_lb/events: a text/event-stream. First a `hello` event with the current status, then the
 * events of the last minutes again, each marked `"replayed":true` (so a reload or a late joiner
 * sees the same charts and log), then every event as it happens. A slow reader is not waited for: if its buffer grows past 1 MiB it is cut
 * off (the browser's EventSource reconnects and gets a fresh hello).
 */
export function serveEventStream(_req: IncomingMessage, res: ServerResponse, source: EventSource): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  })
  res.flushHeaders()
  const pending: ProxyEvent[] = []
  let ready = false
  const write = (event: ProxyEvent) => {
    if (res.writableLength > 1024 * 1024) {
      res.destroy()
      return
    }
    res.write(formatSse(event))
  }
  // the history is read in the same tick as the subscription: an event is either in it or pending, never both
  const replay = source.history?.() ?? []
  // subscribe first so nothing between the hello and the first event is lost
  const unsubscribe = source.subscribe((event) => (ready ? write(event) : pending.push(event)))
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS)
  heartbeat.unref()
  const close = () => {
    clearInterval(heartbeat)
    unsubscribe()
  }
  // the response closes when the connection does (a request without a body may 'close' early)
  res.once('close', close)
  Promise.resolve(source.status())
    .then((status) => {
      if (res.destroyed) return
      write({ type: 'hello', at: new Date().toISOString(), status, ...status })
      for (const event of replay) write({ ...event, replayed: true })
      ready = true
      for (const event of pending.splice(0)) write(event)
    })
    .catch(() => res.destroy())
}
