// The proxy's event stream (GET /_lb/events) feeding a page's cluster store and event log: the
// dashboard and the learner page both follow it this way.
import { PROXY_EVENT_TYPES } from './vocabulary.js'

// The proxy caps its event streams (PROXY_EVENT_SUBSCRIBERS): a full proxy answers 503, and an
// EventSource gives up for good on any answer that is not a stream, so the page asks again itself.
const STREAM_RETRY_MS = 5_000 // 5 s

/** what the stream's pill says in each state: its words and its class */
export const STREAM_PILLS = Object.freeze({
  live: ['live', 'pill-live'],
  reconnecting: ['reconnecting…', 'pill-wait'], // the browser retries by itself
  refused: ['stream refused: retrying', 'pill-wait'],
})

/**
 * Opens the stream and keeps it open: each event goes to `store.applyEvent`, whose lines go to
 * `log` (cleared at each `hello`: the proxy replays its last minutes after it); `onState` hears
 * `live`, `reconnecting` or `refused` (a key of STREAM_PILLS).
 * @param {{ store: { applyEvent(event: object): unknown }, log: { clear(): void, add(line: object): void }, onState: (state: keyof typeof STREAM_PILLS) => void }} feed
 */
export function followEvents({ store, log, onState }) {
  const connect = () => {
    const source = new EventSource('/_lb/events')
    const handle = (message) => {
      let event
      try {
        event = JSON.parse(message.data)
      } catch {
        return
      }
      event.type ??= message.type
      if (event.type === 'hello') log.clear()
      const lines = store.applyEvent(event)
      for (const line of [lines ?? []].flat()) log.add({ ...line, at: event.at })
    }
    for (const type of PROXY_EVENT_TYPES) source.addEventListener(type, handle)
    source.onmessage = handle
    source.onopen = () => onState('live')
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) return onState('reconnecting')
      onState('refused')
      setTimeout(connect, STREAM_RETRY_MS)
    }
  }
  connect()
}
