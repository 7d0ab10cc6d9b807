/**
 * What happens in the proxy, as events for the dashboard's server-sent stream. Every event has a
 * `type` and an ISO `at`; the rest depends on the type (docs/contract.md, GET /_lb/events).
 */
import type { ProxyEventType } from '../../services/common/vocabulary.js'

export type { ProxyEventType }

export interface ProxyEvent {
  type: ProxyEventType
  at: string
  [field: string]: unknown
}

export type EventListener = (event: ProxyEvent) => void

/** how far back a page that connects is told what happened: the dashboard's chart window */
export const HISTORY_MS = 3 * 60_000 // 3 min
/** at most this many events kept (180 `stats` fill 3 min; the rest is for bursts of chaos) */
export const HISTORY_MAX_EVENTS = 600

export class EventBus {
  private readonly listeners = new Set<EventListener>()
  /** the last HISTORY_MS of events, oldest first, so a page that connects late sees the same picture */
  private readonly kept: ProxyEvent[] = []

  constructor(private readonly now: () => number = Date.now) {}

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get size(): number {
    return this.listeners.size
  }

  emit(type: ProxyEventType, fields: Record<string, unknown> = {}): ProxyEvent {
    const event: ProxyEvent = { type, at: new Date(this.now()).toISOString(), ...fields }
    this.publish(event)
    return event
  }

  /** passes on an event made elsewhere (the primary's, in a worker); it is kept for the history too */
  publish(event: ProxyEvent): void {
    if (event.type !== 'hello') this.keep(event)
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch {
        // one broken listener (a closed stream) must not stop the others
      }
    }
  }

  /** the events of the last HISTORY_MS, oldest first (a copy) */
  history(): ProxyEvent[] {
    this.forgetOld()
    return [...this.kept]
  }

  private keep(event: ProxyEvent): void {
    this.kept.push(event)
    if (this.kept.length > HISTORY_MAX_EVENTS) this.kept.splice(0, this.kept.length - HISTORY_MAX_EVENTS)
    this.forgetOld()
  }

  private forgetOld(): void {
    const oldest = this.now() - HISTORY_MS
    let drop = 0
    while (drop < this.kept.length && (Date.parse(this.kept[drop]!.at) || 0) < oldest) drop++
    if (drop > 0) this.kept.splice(0, drop)
  }
}

/** One event in text/event-stream framing. */
export function formatSse(event: ProxyEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
}
