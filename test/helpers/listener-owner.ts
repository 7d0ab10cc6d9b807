import { readdirSync, readlinkSync } from 'node:fs'
import { descendantsOf } from '../../loadtest/analyze/proc-cpu.js'
import { LISTEN, readProcNetTcp } from '../../loadtest/analyze/tcp-states.js'

/**
 * Does process `pid`, or one of its descendants, hold the socket listening on TCP `port`?
 *
 * A test picks a free port (free-port.ts), then starts a service on it. In the moment between,
 * another test running alongside can take the same port; the service then fails to listen, but
 * whatever listens there may answer the readiness probe first, and the test goes on against a
 * stranger (an HTTP fake, another test's proxy). Asking the kernel who holds the listener closes
 * that gap. Linux only: where /proc is missing, it answers true (the probe alone decides).
 */
export function holdsListener(pid: number, port: number): boolean {
  const sockets = readProcNetTcp()
  if (sockets === undefined) return true
  const inodes = new Set(sockets.filter((s) => s.state === LISTEN && s.localPort === port).map((s) => s.inode))
  if (inodes.size === 0) return false
  return [pid, ...descendantsOf(pid)].some((p) => socketInodesOf(p).some((inode) => inodes.has(inode)))
}

/** the inodes of the sockets process `pid` has open (none when it is gone or not ours to read) */
function socketInodesOf(pid: number): string[] {
  let fds: string[]
  try {
    fds = readdirSync(`/proc/${pid}/fd`)
  } catch {
    return []
  }
  const inodes: string[] = []
  for (const fd of fds) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1]
      if (inode !== undefined) inodes.push(inode)
    } catch {
      // closed meanwhile
    }
  }
  return inodes
}
