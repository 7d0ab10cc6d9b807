import { hostname } from 'node:os'
import type { LogLevel } from '../services/common/log-levels.js'

/**
 * A few log lines in pino's JSON shape (level, time, pid, hostname, msg), so the proxy's output
 * reads like the Fastify services' without a framework on its hot path. LOG_LEVEL as in pino:
 * trace, debug, info (default), warn, error, fatal, silent.
 */
// pino's numbers for the level names of services/common/log-levels.ts (the type keeps them alike)
const LEVELS: Readonly<Record<LogLevel, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity }

export interface Log {
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

export function createLog(level: string | undefined, write: (line: string) => void = (l) => process.stdout.write(l)): Log {
  const threshold = LEVELS[(level ?? 'info') as LogLevel] ?? LEVELS.info
  const host = hostname()
  const line = (n: number, msg: string, fields?: Record<string, unknown>) => {
    if (n < threshold) return
    write(`${JSON.stringify({ level: n, time: Date.now(), pid: process.pid, hostname: host, name: 'proxy', ...fields, msg })}\n`)
  }
  return {
    info: (msg, fields) => line(30, msg, fields),
    warn: (msg, fields) => line(40, msg, fields),
    error: (msg, fields) => line(50, msg, fields),
  }
}
