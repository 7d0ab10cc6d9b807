import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

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
  const inodes = listenerInodes(port)
  if (inodes === undefined) return true
  if (inodes.size === 0) return false
  for (const p of [pid, ...descendantsOf(pid)]) {
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${p}/fd`)
    } catch {
      continue // gone, or not ours to read
    }
    for (const fd of fds) {
      let target: string
      try {
        target = readlinkSync(`/proc/${p}/fd/${fd}`)
      } catch {
        continue
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1]
      if (inode !== undefined && inodes.has(inode)) return true
    }
  }
  return false
}

/** the inodes of the sockets listening on `port` (any address, IPv4 or IPv6); undefined without /proc */
function listenerInodes(port: number): Set<string> | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  const inodes = new Set<string>()
  let readAny = false
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      continue
    }
    readAny = true
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      const local = f[1]
      if (local === undefined || f[3] !== '0A' /* LISTEN */) continue
      if (local.slice(local.lastIndexOf(':') + 1) === hexPort && f[9] !== undefined) inodes.add(f[9])
    }
  }
  return readAny ? inodes : undefined
}

/** every process below `pid` (children, grandchildren, …), by the parent ids in /proc/<pid>/stat */
function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8')
    } catch {
      continue
    }
    // the command name may hold spaces and parentheses: the fields after its last ')' are plain
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    const list = children.get(ppid) ?? []
    list.push(Number(name))
    children.set(ppid, list)
  }
  const out: number[] = []
  const queue = [pid]
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    for (const c of children.get(p) ?? []) {
      out.push(c)
      queue.push(c)
    }
  }
  return out
}
