import { describe, expect, it } from 'vitest'
import { NO_DIALOGUE } from '../../../services/clerk/dialogue.js'
import { StatefulMcpSessions, type StatefulMcpSession } from '../../../services/mcp/stateful-mcp.js'

// The stateful MCP sessions of one clerk: capped and expiring like the HTTP sessions. The clock is
// a number the test moves; each entry's SDK server is stood in for by what the table calls on it.

const TTL_MS = 60_000 // 1 min

function table(max: number) {
  let now = 1_000_000
  const sessions = new StatefulMcpSessions(max, TTL_MS, () => now, 3_600_000)
  const closed: string[] = []
  const entry = (name: string) =>
    ({ server: { close: () => Promise.resolve(closed.push(name)) }, transport: {}, dialogue: NO_DIALOGUE, expiresAt: 0 }) as unknown as StatefulMcpSession
  return { sessions, closed, entry, advance: (ms: number) => (now += ms) }
}

describe('stateful MCP sessions in a clerk’s memory', () => {
  it('holds at most `max`: a full table has no room (the initialize gets 503 + Retry-After), a deleted session makes room', () => {
    const { sessions, entry } = table(2)
    sessions.add('a', entry('a'))
    sessions.add('b', entry('b'))
    expect(sessions.hasRoom()).toBe(false)
    expect(sessions.retryAfterSeconds()).toBe(60) // the oldest expires in 60 s
    sessions.delete('a')
    expect(sessions.hasRoom()).toBe(true)
  })

  it('forgets a session TTL after its last request, and closes its SDK server', () => {
    const { sessions, entry, advance, closed } = table(10)
    sessions.add('a', entry('a'))
    advance(TTL_MS - 1)
    expect(sessions.get('a')).toBeDefined() // a request renews the lifetime
    advance(TTL_MS - 1)
    expect(sessions.get('a')).toBeDefined()
    advance(TTL_MS)
    expect(sessions.get('a')).toBeUndefined() // → 404 Session not found
    expect(closed).toEqual(['a'])
    expect(sessions.size).toBe(0)
  })

  it('a full table drops its expired sessions before it refuses a new one', () => {
    const { sessions, entry, advance, closed } = table(2)
    sessions.add('a', entry('a'))
    advance(TTL_MS / 2)
    sessions.add('b', entry('b'))
    advance(TTL_MS / 2) // a has expired, b has not
    expect(sessions.hasRoom()).toBe(true)
    expect(closed).toEqual(['a'])
    expect(sessions.retryAfterSeconds()).toBe(30)
  })

  it('the sweep drops every expired session', () => {
    const { sessions, entry, advance } = table(10)
    for (const id of ['a', 'b', 'c']) sessions.add(id, entry(id))
    advance(TTL_MS)
    expect(sessions.sweep()).toBe(3)
    sessions.close()
  })
})
