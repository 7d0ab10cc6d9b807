/**
 * How `npm start` shows its children's output: each line prefixed with the child's id, and a pino
 * JSON line turned into one readable line by pino-pretty (time, level, message, the fields that
 * matter) unless LOG_FORMAT=json asks for the JSON as the services wrote it (for a log collector).
 * A line that is not pino's JSON (a stack trace, redis-server's own log) passes as it is.
 *
 * @example
 *   const show = createLogLines('pretty', false)
 *   show('clerk-b', '{"level":40,"time":1764950000000,"msg":"redis unreachable","pid":7}')
 *   // '[clerk-b] 16:33:20 WARN: redis unreachable'
 */
import { prettyFactory } from 'pino-pretty'
import type { LogFormat } from './options.js'

// pino's own bookkeeping: the launcher's prefix already says which process it is
const IGNORED = 'pid,hostname,service'

function isPinoLine(line: string): boolean {
  if (!line.startsWith('{') || !line.endsWith('}')) return false
  try {
    const parsed: unknown = JSON.parse(line)
    return typeof parsed === 'object' && parsed !== null && 'level' in parsed && 'time' in parsed
  } catch {
    return false
  }
}

/** `(id, line) → the line to print`, for one output format; colours only for a terminal */
export function createLogLines(format: LogFormat, colorize: boolean): (id: string, line: string) => string {
  if (format === 'json') return (id, line) => `[${id}] ${line}`
  const pretty = prettyFactory({ colorize, translateTime: 'SYS:HH:MM:ss', ignore: IGNORED, singleLine: true })
  return (id, line) => `[${id}] ${isPinoLine(line) ? pretty(line).trimEnd() : line}`
}
