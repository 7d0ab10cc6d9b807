/**
 * CPU time of processes from /proc/<pid>/stat (Linux): utime + stime, in seconds. Two readings
 * around a run give each process's CPU use during it, which tells whether the proxy, the clerks or
 * the machine is the limit.
 *
 * @example
 *   const before = readCpuSeconds(pids)
 *   … run …
 *   const used = cpuShare(before, readCpuSeconds(pids), wallSeconds)   // { proxy: 0.93, 'clerk-a': 0.2 }
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'

let ticksPerSecond: number | undefined
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticksPerSecond = 100 // the Linux default (USER_HZ)
    }
  }
  return ticksPerSecond
}

/** utime + stime of the text of /proc/<pid>/stat, in clock ticks */
export function parseStatTicks(stat: string): number | undefined {
  // the command name (field 2) is in parentheses and may hold spaces: read after the last ')'
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15
  const utime = Number(rest[11])
  const stime = Number(rest[12])
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined
}

/** utime and stime apart, in clock ticks: time in the process's own code, and in the kernel for it */
export function parseStatTimes(stat: string): { user: number; system: number } | undefined {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const user = Number(rest[11])
  const system = Number(rest[12])
  return Number.isFinite(user) && Number.isFinite(system) ? { user, system } : undefined
}

/** the parent pid (field 4) of the text of /proc/<pid>/stat */
export function parseStatParent(stat: string): number | undefined {
  const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  return Number.isInteger(parent) ? parent : undefined
}

/**
 * CPU seconds a process and all its descendants have used so far (a proxy with worker processes,
 * HAProxy's children); 0 when the process is gone.
 */
export function readTreeCpuSeconds(pid: number): number {
  const { user, system } = readTreeTicks(pid)
  // one division of the sum, as readCpuSeconds makes: a tree read in the same tick as its root
  // alone is then exactly as much, not one rounding less
  return (user + system) / clockTicks()
}

/** readTreeCpuSeconds split into user and system seconds */
export function readTreeCpuTimes(pid: number): { user: number; system: number } {
  const { user, system } = readTreeTicks(pid)
  return { user: user / clockTicks(), system: system / clockTicks() }
}

/** the clock ticks of user and system time of `pid` and every process below it (0 when gone) */
function readTreeTicks(pid: number): { user: number; system: number } {
  const stats = readAllStats()
  let user = 0
  let system = 0
  if (!stats.has(pid)) return { user: 0, system: 0 } // gone
  for (const p of [pid, ...descendantsIn(stats, pid)]) {
    const stat = stats.get(p)
    const times = stat === undefined ? undefined : parseStatTimes(stat)
    user += times?.user ?? 0
    system += times?.system ?? 0
  }
  return { user, system }
}

/** every process below `pid` (children, grandchildren, …), by the parent pids of /proc/<pid>/stat */
export function descendantsOf(pid: number): number[] {
  return descendantsIn(readAllStats(), pid)
}

/** the text of /proc/<pid>/stat of every process there is, by pid */
function readAllStats(): Map<number, string> {
  const stats = new Map<number, string>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      stats.set(Number(entry), readFileSync(`/proc/${entry}/stat`, 'utf8'))
    } catch {
      // the process ended meanwhile
    }
  }
  return stats
}

/** the processes of `stats` below `pid` */
function descendantsIn(stats: ReadonlyMap<number, string>, pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const [p, stat] of stats) {
    const parent = parseStatParent(stat)
    if (parent === undefined) continue
    const siblings = children.get(parent)
    if (siblings === undefined) children.set(parent, [p])
    else siblings.push(p)
  }
  const out: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      out.push(child)
      queue.push(child)
    }
  }
  return out
}

export function readCpuSeconds(pids: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [name, pid] of Object.entries(pids)) {
    try {
      const ticks = parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'))
      if (ticks !== undefined) out[name] = ticks / clockTicks()
    } catch {
      // the process is gone (killed by chaos): it simply has no reading
    }
  }
  return out
}

/** CPU used per process between two readings, as a share of one core (1 = one core busy). */
export function cpuShare(before: Record<string, number>, after: Record<string, number>, wallSeconds: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [name, end] of Object.entries(after)) {
    const start = before[name]
    if (start === undefined || wallSeconds <= 0) continue
    out[name] = Math.round(((end - start) / wallSeconds) * 100) / 100
  }
  return out
}

/** CPU time of this very process (the load generator), in seconds */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1e6
}

export interface MachineCpu {
  busy: number
  total: number
}

/** the first line of /proc/stat (`cpu  user nice system idle iowait irq softirq steal …`) */
export function parseProcStat(text: string): MachineCpu | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '))
  if (!line) return undefined
  const fields = line.trim().split(/\s+/).slice(1).map(Number)
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return undefined
  // guest time is already counted in user; idle + iowait is time nobody could use
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0)
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
  return { busy: total - idle, total }
}

export function readMachineCpu(): MachineCpu | undefined {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'))
  } catch {
    return undefined
  }
}

/** cores kept busy, machine-wide (every process, ours and others'), between two readings */
export function busyCores(before: MachineCpu | undefined, after: MachineCpu | undefined, cores: number): number | undefined {
  if (!before || !after || after.total <= before.total) return undefined
  return Math.round(((after.busy - before.busy) / (after.total - before.total)) * cores * 100) / 100
}
