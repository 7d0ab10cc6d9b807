/**
 * pino's level names: the one list LOG_LEVEL is checked against by every service (the clerks,
 * the proxy, and `npm start`, which passes it on to both), so a typo stops each of them at start
 * with the same sentence instead of one process ignoring it and another crashing on it.
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
