/**
 * Counts TCP sockets by state from /proc/net/tcp and /proc/net/tcp6 (Linux, the kernel's own
 * table), to show what a connection leaves behind: the side that closes first waits in TIME_WAIT
 * (state 06) for 60 s; the side that was closed on sits in CLOSE_WAIT until it closes too.
 * Each socket is told apart by side from its ports: the customer's end of a connection to the
 * proxy (remote port = the proxy's), the proxy's end of it (local port = the proxy's), the
 * proxy's connections to the clerks (remote port = a clerk's) and the clerks' ends of them.
 * Parsing is pure; reading returns undefined where /proc is missing.
 *
 * @example
 *   const before = readTimeWait(8080)   // { all: 12, port: 3, customer: 3, server: 0 }
 *   countBySide(readProcNetTcp() ?? [], { proxy: 8080, clerks: [8081, 8082] })
 *   // { customer: { ESTABLISHED: 20 }, 'proxy front': { LISTEN: 1, ESTABLISHED: 20 }, … }
 */
import { readFileSync } from 'node:fs'

export const TIME_WAIT = '06'
export const LISTEN = '0A'

/** the kernel's state numbers (include/net/tcp_states.h), as /proc/net/tcp writes them */
export const TCP_STATES: Readonly<Record<string, string>> = Object.freeze({
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
  '0C': 'NEW_SYN_RECV',
})

export interface SocketEntry {
  localPort: number
  remotePort: number
  /** two hex digits, e.g. 01 ESTABLISHED, 06 TIME_WAIT */
  state: string
  /** the socket's inode: a process's /proc/<pid>/fd links name its sockets `socket:[inode]` */
  inode: string
  /** bytes the kernel holds for it, not yet read by its process (rx_queue) */
  receiveQueue: number
}

/** Parses the text of /proc/net/tcp or /proc/net/tcp6. */
export function parseProcNetTcp(text: string): SocketEntry[] {
  const entries: SocketEntry[] = []
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/)
    if (fields.length < 4) continue
    const local = fields[1]?.split(':').at(-1)
    const remote = fields[2]?.split(':').at(-1)
    const state = fields[3]
    if (!local || !remote || !state) continue
    const receiveQueue = parseInt(fields[4]?.split(':')[1] ?? '0', 16)
    entries.push({ localPort: parseInt(local, 16), remotePort: parseInt(remote, 16), state: state.toUpperCase(), inode: fields[9] ?? '', receiveQueue })
  }
  return entries
}

/** the ports that tell the sides apart */
export interface SidePorts {
  readonly proxy: number
  readonly clerks: readonly number[]
}

/** which end of which hop a socket is */
export const SIDES = Object.freeze(['customer', 'proxy front', 'proxy to clerks', 'clerks'] as const)
export type Side = (typeof SIDES)[number]

export function sideOf(entry: SocketEntry, ports: SidePorts): Side | undefined {
  if (entry.remotePort === ports.proxy) return 'customer'
  if (entry.localPort === ports.proxy) return 'proxy front'
  if (ports.clerks.includes(entry.remotePort)) return 'proxy to clerks'
  if (ports.clerks.includes(entry.localPort)) return 'clerks'
  return undefined
}

export type StateCounts = Record<string, number>

/** per side, the count of sockets in each state (by name); sockets of no side are left out */
export function countBySide(entries: readonly SocketEntry[], ports: SidePorts): Record<Side, StateCounts> {
  const out = Object.fromEntries(SIDES.map((side) => [side, {}])) as Record<Side, StateCounts>
  for (const entry of entries) {
    const side = sideOf(entry, ports)
    if (side === undefined) continue
    const name = TCP_STATES[entry.state] ?? entry.state
    out[side][name] = (out[side][name] ?? 0) + 1
  }
  return out
}

export interface TimeWaitCount {
  /** every socket in TIME_WAIT on the machine */
  all: number
  /** those whose local or remote port is the given one (the proxy's) */
  port: number
  /** of those, the customer's ends (remote port = the proxy's): the customer closed first */
  customer: number
  /** of those, the proxy's ends (local port = the proxy's): the proxy closed first */
  server: number
}

export function countTimeWait(entries: readonly SocketEntry[], port?: number): TimeWaitCount {
  const waiting = entries.filter((e) => e.state === TIME_WAIT)
  const customer = port === undefined ? 0 : waiting.filter((e) => e.remotePort === port).length
  const server = port === undefined ? 0 : waiting.filter((e) => e.localPort === port).length
  return { all: waiting.length, port: customer + server, customer, server }
}

/** every TCP socket of the machine (IPv4 and IPv6), or undefined without /proc */
export function readProcNetTcp(): SocketEntry[] | undefined {
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
  return found ? entries : undefined
}

export function readTimeWait(port?: number): TimeWaitCount | undefined {
  const entries = readProcNetTcp()
  return entries === undefined ? undefined : countTimeWait(entries, port)
}
