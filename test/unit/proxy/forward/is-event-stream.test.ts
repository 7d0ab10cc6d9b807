import { describe, expect, it } from 'vitest'
import { isEventStream } from '../../../../proxy/forward/engines/engine.js'

describe('which answers the engines stream instead of buffering', () => {
  it('a 200 of type text/event-stream, whatever the case of the header or its parameters', () => {
    expect(isEventStream(200, ['Content-Type', 'text/event-stream'])).toBe(true)
    expect(isEventStream(200, ['x-clerk', 'clerk-a', 'content-type', 'Text/Event-Stream; charset=utf-8'])).toBe(true)
  })

  it('nothing else: JSON, another status, a look-alike type, no type at all', () => {
    expect(isEventStream(200, ['content-type', 'application/json'])).toBe(false)
    expect(isEventStream(404, ['content-type', 'text/event-stream'])).toBe(false)
    expect(isEventStream(200, ['content-type', 'text/event-streamy'])).toBe(false)
    expect(isEventStream(200, [])).toBe(false)
  })
})
