/**
 * What happens in the proxy, as events for the dashboard's server-sent stream. Every event has a
 * `type` and an ISO `at`; the rest depends on the type (docs/contract.md, GET /_lb/events).
 */
export type ProxyEventType = 'hello' | 'health' | 'redispatch' | 'retry' | 'policy' | 'drain' | 'chaos' | 'stats' | 'loadtest' | 'reset'

export interface ProxyEvent {
  type: ProxyEventType
  at: string
  [field: string]: unknown
}

export type EventListener = (event: ProxyEvent) => void

export class EventBus {
  private readonly listeners = new Set<EventListener>()

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get size(): number {
    return this.listeners.size
  }

  emit(type: ProxyEventType, fields: Record<string, unknown> = {}): ProxyEvent {
    const event: ProxyEvent = { type, at: new Date().toISOString(), ...fields }
    this.publish(event)
    return event
  }

  /** passes on an event made elsewhere (the primary's, in a worker) */
  publish(event: ProxyEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch {
        // one broken listener (a closed stream) must not stop the others
      }
    }
  }
}

/** One event in text/event-stream framing. */
export function formatSse(event: ProxyEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
}
