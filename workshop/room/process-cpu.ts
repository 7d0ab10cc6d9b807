import { readFileSync } from 'node:fs'

/**
 * CPU time a process has used so far (user + system, ms), from /proc/<pid>/stat: Linux only,
 * undefined elsewhere or when the process is gone. Fields 14 and 15 (utime, stime) count clock
 * ticks, 100 per second on every Linux this runs on (USER_HZ).
 */
const TICKS_PER_SECOND = 100

export function cpuMs(pid: number): number | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // the command name (field 2) is in parentheses and may hold spaces: count fields after it
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / TICKS_PER_SECOND : undefined
}

/** the 1-minute load average, or undefined off Linux */
export function loadAverage(): string | undefined {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  } catch {
    return undefined
  }
}
