/**
 * Counts TCP sockets by state from /proc/net/tcp and /proc/net/tcp6 (Linux), to show what short
 * connections leave behind: every connection closed first by one side waits in TIME_WAIT (state
 * 06) for 60 s on that side. Parsing is pure; reading returns undefined where /proc is missing.
 *
 * @example
 *   const before = readTimeWait(8080)   // { all: 12, port: 0 }
 */
import { readFileSync } from 'node:fs'

export const TIME_WAIT = '06'

export interface SocketEntry {
  localPort: number
  remotePort: number
  /** two hex digits, e.g. 01 ESTABLISHED, 06 TIME_WAIT */
  state: string
}

/** Parses the text of /proc/net/tcp or /proc/net/tcp6. */
export function parseProcNetTcp(text: string): SocketEntry[] {
  const entries: SocketEntry[] = []
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/)
    if (fields.length < 4) continue
    const local = fields[1]?.split(':')[1]
    const remote = fields[2]?.split(':')[1]
    const state = fields[3]
    if (!local || !remote || !state) continue
    entries.push({ localPort: parseInt(local, 16), remotePort: parseInt(remote, 16), state: state.toUpperCase() })
  }
  return entries
}

export interface TimeWaitCount {
  /** every socket in TIME_WAIT on the machine */
  all: number
  /** those whose local or remote port is the given one (the proxy's) */
  port: number
}

export function countTimeWait(entries: readonly SocketEntry[], port?: number): TimeWaitCount {
  const waiting = entries.filter((e) => e.state === TIME_WAIT)
  return {
    all: waiting.length,
    port: port === undefined ? 0 : waiting.filter((e) => e.localPort === port || e.remotePort === port).length,
  }
}

export function readTimeWait(port?: number): TimeWaitCount | undefined {
  const entries: SocketEntry[] = []
  let found = false
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      entries.push(...parseProcNetTcp(readFileSync(file, 'utf8')))
      found = true
    } catch {
      // no IPv6, or not Linux
    }
  }
  return found ? countTimeWait(entries, port) : undefined
}
