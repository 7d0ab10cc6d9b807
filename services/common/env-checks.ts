import { redactUrl } from './redact-url.js'

/**
 * Small readers for environment variables. Each throws a ConfigError whose sentence names the
 * variable, what it holds and what was expected, so `main.ts` can print it and exit 1.
 */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Env = Record<string, string | undefined>

function raw(env: Env, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

export function readString(env: Env, name: string, fallback: string): string
export function readString(env: Env, name: string): string | undefined
export function readString(env: Env, name: string, fallback?: string): string | undefined {
  return raw(env, name) ?? fallback
}

export function readInt(
  env: Env,
  name: string,
  fallback: number,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number {
  const value = raw(env, name)
  if (value === undefined) return fallback
  if (!/^-?\d+$/.test(value)) {
    throw new ConfigError(`${name} must be a whole number, got "${value}"`)
  }
  const n = Number(value)
  if (n < min || n > max) {
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`)
  }
  return n
}

export function readPort(env: Env, name: string, fallback: number): number {
  return readInt(env, name, fallback, { min: 0, max: 65535 })
}

export function readUrl(env: Env, name: string, protocols: string[]): URL | undefined {
  const value = raw(env, name)
  if (value === undefined) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    // an example in the variable's own scheme: redis://127.0.0.1:6379, http://127.0.0.1:8080
    const example = `${protocols[0]}//127.0.0.1:${protocols[0]?.startsWith('redis') ? 6379 : 8080}`
    throw new ConfigError(`${name} must be a URL such as ${example}, got "${redactUrl(value)}"`)
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${url.protocol}" in "${redactUrl(value)}"`)
  }
  return url
}

export function readChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const value = raw(env, name)
  if (value === undefined) return fallback
  if (!(choices as readonly string[]).includes(value)) {
    throw new ConfigError(`${name} must be one of ${choices.join(', ')}, got "${value}"`)
  }
  return value as T
}

/** Ids name clerks in headers, cookies and URLs: keep them to a safe alphabet. */
export function assertId(name: string, value: string): string {
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/i.test(value)) {
    throw new ConfigError(`${name} must be 1-63 letters, digits, "-" or "_", got "${value}"`)
  }
  return value
}
