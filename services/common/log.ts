import { pino, type DestinationStream, type Logger } from 'pino'

/**
 * How every service logs: pino's JSON lines (level, time, pid, hostname, name, fields, msg). The
 * clerks log through Fastify, which is pino; the proxy and anything else without Fastify take
 * their logger here. LOG_LEVEL is one of pino's level names, the one list every service checks it
 * against (the clerks, the proxy, and `npm start`, which passes it on to both), so a typo stops
 * each of them at start with the same sentence instead of one process ignoring it and another
 * crashing on it.
 *
 * @example
 *   const log = createLogger('proxy', options.logLevel)
 *   log.warn({ clerk: 'clerk-b', reason: 'timeout' }, 'clerk-b ejected')
 *   // {"level":40,"time":…,"pid":…,"hostname":…,"name":"proxy","clerk":"clerk-b","reason":"timeout","msg":"clerk-b ejected"}
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export type { Logger }

/** a pino logger named after the service, to stdout unless told otherwise */
export function createLogger(name: string, level: LogLevel, destination?: DestinationStream): Logger {
  return destination === undefined ? pino({ name, level }) : pino({ name, level }, destination)
}
