/**
 * The one way every load-test command (loadtest, loadtest:matrix, loadtest:scale, bench:clerk,
 * bench:proxy) reads its command line: node:util parseArgs with the command's option table
 * (`parseArgv`), then one small reader per option that turns its text into a value or throws
 * LOADTEST_ERR_BAD_OPTION with a sentence naming the option.
 *
 * @example
 *   const values = parseArgv(argv, { customers: { type: 'string' }, ...REPORT_AND_HELP_OPTIONS })
 *   const customers = readWhole('customers', values.customers, 20, 1, 10_000)
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { badOption } from '../errors.js'

/**
 * Reads a time written the way people type it on a command line: `30s`, `500ms`, `1.5s`, `2m`,
 * or a bare number of seconds. Returns milliseconds, or undefined when it is not a time.
 *
 * @example
 *   parseDurationMs('1.5s')  // 1500
 */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim())
  if (!match) return undefined
  const value = Number(match[1])
  const unit = match[2] ?? 's'
  const ms = unit === 'ms' ? value : unit === 's' ? value * 1000 : value * 60_000
  return Math.round(ms)
}

export function readWhole(name: string, text: string | undefined, fallback: number, min: number, max: number): number
export function readWhole(name: string, text: string | undefined, fallback: undefined, min: number, max: number): number | undefined
export function readWhole(name: string, text: string | undefined, fallback: number | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return fallback
  if (!/^\d+$/.test(text.trim())) throw badOption(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`)
  const n = Number(text)
  if (n < min || n > max) throw badOption(`--${name} must be a whole number from ${min} to ${max}, got ${n}`)
  return n
}

export function readTime(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const ms = parseDurationMs(text)
  if (ms === undefined || ms <= 0) throw badOption(`--${name} must be a time such as 30s, 500ms or 2m, got "${text}"`)
  return ms
}

export function readChoiceOption<T extends string>(name: string, text: string | undefined, choices: readonly T[], fallback: T): T
export function readChoiceOption<T extends string>(name: string, text: string | undefined, choices: readonly T[], fallback: undefined): T | undefined
export function readChoiceOption<T extends string>(name: string, text: string | undefined, choices: readonly T[], fallback: T | undefined): T | undefined {
  if (text === undefined) return fallback
  if (!(choices as readonly string[]).includes(text)) {
    throw badOption(`--${name} must be one of ${choices.join(', ')}, got "${text}"`)
  }
  return text as T
}

export function readUrlOption(name: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw badOption(`--${name} must be a URL such as http://127.0.0.1:8080, got "${text}"`)
  }
  if (url.protocol !== 'http:') throw badOption(`--${name} must be an http:// URL, got "${text}"`)
  return url.origin
}

/** every command's -h / --help: print its usage (args/usage.ts) and exit 0 */
export const HELP_OPTION = {
  help: { type: 'boolean', short: 'h' },
} as const

/** the options every load-test command takes, with the same meaning: where the reports go, less progress, usage */
export const REPORT_AND_HELP_OPTIONS = {
  json: { type: 'string' },
  html: { type: 'string' },
  quiet: { type: 'boolean' },
  ...HELP_OPTION,
} as const

/** a clerk id as the launcher names them: letters, digits, "-" or "_", e.g. clerk-b */
export function isClerkId(text: string): boolean {
  return /^[a-z0-9][a-z0-9_-]{0,62}$/i.test(text)
}

/**
 * `--target URL` (an already running cluster) or `--clerks N` (the size of the local cluster the
 * command starts), never both.
 */
export function readClusterOptions(
  values: { readonly target?: string | undefined; readonly clerks?: string | undefined },
  defaultClerks: number,
  minClerks: number,
): { target: string | undefined; clerks: number } {
  const target = readUrlOption('target', values.target)
  if (values.clerks !== undefined && target !== undefined) {
    throw badOption('--clerks sets the size of a local cluster; with --target the cluster is already running')
  }
  return { target, clerks: readWhole('clerks', values.clerks, defaultClerks, minClerks, 26) }
}

/**
 * node:util parseArgs, with its errors turned into our bad-option error and `--flag@value`
 * (as in `--redis-stop@5s`) read as `--flag=value`.
 */
export function parseArgv<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: T,
): ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: false }>>['values'] {
  const args = argv.map((arg) => {
    const match = /^(--[a-z][a-z-]*)@(.+)$/.exec(arg)
    return match ? `${match[1]}=${match[2]}` : arg
  })
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values
  } catch (err) {
    throw badOption(`${(err as Error).message.replace(/\.$/, '')}; see --help`)
  }
}
