import { redactUrl } from './redact-url.js'

/**
 * The one options pattern of every part (the clerk, the proxy, `npm start`, the chaos command,
 * the load test). A part declares each setting once, in ONE table: the environment variable, the
 * key in its options object, the reader that turns the text into a checked value, the default,
 * the sentence the docs print, and the old names that still work for one release. Then
 *
 *   - read(env) reads every variable (an old name logs one deprecation line naming the new one),
 *   - resolve(given) merges what code gives over the defaults with `??` (a valid 0 stays 0),
 *     checks every value, lets the part derive what depends on several, and freezes,
 *
 * and a wrong value stops the part with one sentence naming the variable (ConfigError, which
 * main.ts prints before exiting 1). The same tables render the environment table of
 * docs/contract.md (services/common/env-docs.ts, `npm run docs:env`).
 *
 * @example
 *   const proxyOptions = defineOptions<ProxyOptions>({ part: 'proxy', options: [
 *     { env: 'PROXY_PORT', key: 'port', read: port(), default: 8080, doc: 'listen port', deprecated: ['PORT'] },
 *   ] })
 *   proxyOptions.read(process.env)   // PORT=9000 works, with "PORT is deprecated, use PROXY_PORT; …"
 */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

export type Env = Readonly<Record<string, string | undefined>>

// ---------------------------------------------------------------------------------------------
// Readers: text → value for a variable, and the same check for a value code gives. Each throws a
// ConfigError whose sentence names the variable, what it holds and what was expected.

export interface Reader<T> {
  /** the variable's text (trimmed, never empty) → the value */
  parse(text: string, name: string): T
  /** a value given in code (or a default): throws when it is not one parse() could give */
  check(value: T, name: string): void
}

export function text(): Reader<string> {
  return {
    parse: (value) => value,
    check(value, name) {
      if (typeof value !== 'string' || value.length === 0) throw new ConfigError(`${name} must not be empty`)
    },
  }
}

/** a reader of text kept as written, valid when `check` passes */
function checkedText<T extends string>(check: (value: T, name: string) => void): Reader<T> {
  return {
    parse(value, name) {
      check(value as T, name)
      return value as T
    },
    check,
  }
}

/** a string of at least `min` characters (secrets, tokens: a short one is guessable) */
export function secret(min: number): Reader<string> {
  return checkedText((value, name) => {
    if (typeof value !== 'string' || value.length < min) {
      throw new ConfigError(`${name} must be at least ${min} characters long, got ${String(value?.length ?? 0)}`)
    }
  })
}

export function int({ min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {}): Reader<number> {
  return {
    parse(value, name) {
      if (!/^-?\d+$/.test(value)) throw new ConfigError(`${name} must be a whole number, got "${value}"`)
      const n = Number(value)
      this.check(n, name)
      return n
    },
    check(n, name) {
      if (!Number.isInteger(n)) throw new ConfigError(`${name} must be a whole number, got ${String(n)}`)
      if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`)
    },
  }
}

export function port(): Reader<number> {
  return int({ min: 0, max: 65535 })
}

export function choice<T extends string>(choices: readonly T[]): Reader<T> {
  return checkedText<T>((value, name) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new ConfigError(`${name} must be one of ${choices.join(', ')}, got "${String(value)}"`)
    }
  })
}

/** `1` or `0`, read as true or false */
export function flag(): Reader<boolean> {
  return {
    parse(value, name) {
      if (value !== '0' && value !== '1') throw new ConfigError(`${name} must be one of 0, 1, got "${value}"`)
      return value === '1'
    },
    check(value, name) {
      if (typeof value !== 'boolean') throw new ConfigError(`${name} must be 0 or 1, got ${String(value)}`)
    },
  }
}

function parseUrl(value: string, name: string, protocols: readonly string[]): URL {
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

/** a URL in one of `protocols` (`['redis:', 'rediss:']`), kept as a URL */
export function url(protocols: readonly string[]): Reader<URL> {
  return {
    parse: (value, name) => parseUrl(value, name, protocols),
    check: (value, name) => void parseUrl(String(value), name, protocols),
  }
}

/** the same, kept as its text (URL.href) */
export function urlText(protocols: readonly string[]): Reader<string> {
  return {
    parse: (value, name) => parseUrl(value, name, protocols).href,
    check: (value, name) => void parseUrl(value, name, protocols),
  }
}

/** text that passes `test`; `what` says what it must be ("must be a size such as …") */
export function matching(test: (value: string) => boolean, what: (value: string) => string): Reader<string> {
  return checkedText((value, name) => {
    if (typeof value !== 'string' || !test(value)) throw new ConfigError(`${name} ${what(String(value))}`)
  })
}

/** Ids name clerks in headers, cookies and URLs: keep them to a safe alphabet. */
export function assertId(name: string, value: string): string {
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/i.test(value)) {
    throw new ConfigError(`${name} must be 1-63 letters, digits, "-" or "_", got "${value}"`)
  }
  return value
}

// ---------------------------------------------------------------------------------------------
// The table and the one function that reads, checks, merges and freezes.

/** `key`, or `key.field` for one field of a record-valued option (the proxy's policies) */
type OptionPath<O> = (keyof O & string) | `${keyof O & string}.${string}`

export interface OptionSpec<O> {
  /** where the value goes in the part's options */
  readonly key: OptionPath<O>
  /** the environment variable; none for a setting only code gives (tests, the launcher) */
  readonly env?: string
  /** each row has its own value type; the part's options interface says it */
  readonly read: Reader<unknown>
  /** undefined: unset unless given (or derived by the part) */
  readonly default?: unknown
  /** true: there is no default, the variable must be set */
  readonly required?: boolean
  /** a valid value, for the sentence that asks for a missing one */
  readonly example?: string
  /** one sentence for the docs' environment table */
  readonly doc?: string
  /** what the docs print as the default when the value alone would not say it */
  readonly docDefault?: string
  /** older names that still work for one release, each with one deprecation line */
  readonly deprecated?: readonly string[]
}

export interface OptionsDefinition<O> {
  /** who reads these variables, as the docs say it: clerk, proxy, npm start, … */
  readonly part: string
  readonly options: readonly OptionSpec<O>[]
  /**
   * After the merge and the checks of each value: what depends on several values (a derived
   * default, a rule between two settings). Returns the finished options; `given` is what the
   * caller gave (env or code), before the defaults.
   */
  readonly finish?: (options: O, given: Readonly<Partial<O>>) => O
}

export interface Options<O> extends OptionsDefinition<O> {
  /** reads every variable of the table from `env` (old names too, each with a line to `warn`) */
  fromEnv(env: Env, warn?: (line: string) => void): Partial<O>
  /** merges `given` over the defaults with `??`, checks every value, finishes, freezes */
  resolve(given?: Partial<O>): Readonly<O>
  /** fromEnv + resolve */
  read(env: Env, warn?: (line: string) => void): Readonly<O>
}

/** the one deprecation line of an old name */
export function deprecationLine(oldName: string, newName: string): string {
  return `${oldName} is deprecated, use ${newName}; it will stop working in the next release`
}

function present(env: Env, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof URL)
}

function split(path: string): [string, string | undefined] {
  const dot = path.indexOf('.')
  return dot === -1 ? [path, undefined] : [path.slice(0, dot), path.slice(dot + 1)]
}

function getPath(target: Record<string, unknown>, path: string): unknown {
  const [key, field] = split(path)
  const value = target[key]
  return field === undefined ? value : isRecord(value) ? value[field] : undefined
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const [key, field] = split(path)
  if (field === undefined) {
    target[key] = value
    return
  }
  const record = isRecord(target[key]) ? target[key] : {}
  target[key] = { ...record, [field]: value }
}

function missing(spec: { env?: string; key: string; example?: string }): ConfigError {
  const example = spec.example === undefined ? '' : `: a value such as "${spec.example}"`
  return new ConfigError(`${spec.env ?? spec.key} is required${example}`)
}

export function defineOptions<O extends object>(definition: OptionsDefinition<O>): Options<O> {
  const { options: specs, finish } = definition
  const writeLine = (line: string): void => {
    process.stderr.write(`${definition.part}: ${line}\n`)
  }

  function fromEnv(env: Env, warn: (line: string) => void = writeLine): Partial<O> {
    const given: Record<string, unknown> = {}
    for (const spec of specs) {
      if (spec.env === undefined) continue
      let name = spec.env
      let value = present(env, spec.env)
      for (const old of spec.deprecated ?? []) {
        const oldValue = present(env, old)
        if (oldValue === undefined) continue
        warn(deprecationLine(old, spec.env))
        if (value === undefined) {
          name = old
          value = oldValue
        }
      }
      if (value === undefined) {
        if (spec.required) throw missing(spec)
        continue
      }
      setPath(given, spec.key, spec.read.parse(value, name))
    }
    return given as Partial<O>
  }

  function resolve(given: Partial<O> = {}): Readonly<O> {
    const merged: Record<string, unknown> = {}
    for (const spec of specs) {
      const value = getPath(given, spec.key) ?? spec.default
      if (value === undefined) {
        if (spec.required) throw missing(spec)
        // every key is there, unset ones too: one shape for every options object of a part
        if (!spec.key.includes('.')) merged[spec.key] = undefined
        continue
      }
      spec.read.check(value, spec.env ?? spec.key)
      setPath(merged, spec.key, value)
    }
    // keys the table does not read (none today) pass as given
    for (const [key, value] of Object.entries(given)) if (!(key in merged) && value !== undefined) merged[key] = value
    const done = finish ? finish(merged as O, given) : (merged as O)
    for (const value of Object.values(done)) if (isRecord(value) || Array.isArray(value)) Object.freeze(value)
    return Object.freeze(done)
  }

  return Object.freeze({
    ...definition,
    fromEnv,
    resolve,
    read: (env: Env, warn?: (line: string) => void) => resolve(fromEnv(env, warn)),
  })
}

/** every variable name a table reads, old names included (the launcher passes them on) */
export function variablesOf(definition: Pick<OptionsDefinition<unknown>, 'options'>): string[] {
  return definition.options.flatMap((spec) => (spec.env === undefined ? [] : [spec.env, ...(spec.deprecated ?? [])]))
}

// ---------------------------------------------------------------------------------------------
// The docs' environment table, rendered from the tables (scripts/docs-env.ts writes it into
// docs/contract.md; a unit test fails when the two differ).

function cell(text: string): string {
  return text.replace(/\|/g, '\\|')
}

/** what the docs read of a row */
type DocumentedSpec = Pick<OptionSpec<unknown>, 'env' | 'doc' | 'docDefault' | 'default' | 'required' | 'deprecated'>

function shownDefault(spec: DocumentedSpec): string {
  if (spec.docDefault !== undefined) return spec.docDefault
  if (spec.required) return 'required'
  if (spec.default === undefined) return 'unset'
  if (typeof spec.default === 'boolean') return spec.default ? '1' : '0'
  // a default that is not a number or a string names itself in the table (docDefault)
  return typeof spec.default === 'number' || typeof spec.default === 'string' ? String(spec.default) : JSON.stringify(spec.default)
}

/** one markdown table: every documented variable of every part, in the parts' order */
export function renderEnvironmentTable(parts: readonly { part: string; options: readonly DocumentedSpec[] }[]): string {
  const rows = ['| variable | read by | default | meaning |', '| --- | --- | --- | --- |']
  for (const { part, options } of parts) {
    for (const spec of options) {
      if (spec.env === undefined || spec.doc === undefined) continue
      const was = spec.deprecated?.length ? ` (was ${spec.deprecated.map((old) => `\`${old}\``).join(', ')})` : ''
      rows.push(`| \`${spec.env}\`${was} | ${cell(part)} | ${cell(shownDefault(spec))} | ${cell(spec.doc)} |`)
    }
  }
  return rows.join('\n')
}
