/**
 * Small readers shared by the load-test commands' argument parsers: each turns one option's text
 * into a value or throws LOADTEST_ERR_BAD_OPTION with a sentence naming the option.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { parseDurationMs } from './durations.js'
import { badOption } from './errors.js'

export function readWhole(name: string, text: string | undefined, fallback: number, min: number, max: number): number
export function readWhole(name: string, text: string | undefined, fallback: undefined, min: number, max: number): number | undefined
export function readWhole(
  name: string,
  text: string | undefined,
  fallback: number | undefined,
  min: number,
  max: number,
): number | undefined {
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
export function readChoiceOption<T extends string>(
  name: string,
  text: string | undefined,
  choices: readonly T[],
  fallback: T | undefined,
): T | undefined {
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

/** the options every load-test command takes, with the same meaning: where the reports go, less progress, usage */
export const REPORT_AND_HELP_OPTIONS = {
  json: { type: 'string' },
  html: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

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
