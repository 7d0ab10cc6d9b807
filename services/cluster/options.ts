import { randomBytes } from 'node:crypto'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { ConfigError, readChoice, readInt, readPort, readString, readUrl } from '../common/env-checks.js'
import { LOG_LEVELS, type LogLevel } from '../common/log-levels.js'
import { APPEND_FSYNC, type AppendFsync } from '../common/redis-server.js'

/**
 * What `npm start` runs, read once from the environment, checked and frozen. A value that is
 * wrong stops the launcher with one sentence naming the variable (main.ts prints it, exits 1).
 */
export interface ClusterOptions {
  /** the proxy's port; clerks take the next ones (PROXY_PORT+1 …) */
  readonly proxyPort: number
  readonly clerkCount: number
  /** an external Redis; unset → a private redis-server from PATH, if there is one */
  readonly redisUrl: string | undefined
  readonly adminToken: string
  /** true when ADMIN_TOKEN was unset and this run made one up (the banner prints it) */
  readonly adminTokenGenerated: boolean
  /** the same for every clerk, so a cookie or context token signed by one verifies on another */
  readonly sessionSecret: string
  readonly sessionSecretGenerated: boolean
  /** LOG_LEVEL for the children; quieter than `info` by default so the banner stays readable */
  readonly childLogLevel: LogLevel
  /** the private Redis's data directory, which outlives the run; undefined for a throwaway run
   *  (REDIS_THROWAWAY=1: a temp dir removed at stop) */
  readonly redisDataDir: string | undefined
  /** when the private Redis fsyncs its append-only file */
  readonly redisAppendFsync: AppendFsync
  /** the private Redis's maxmemory (Redis's own syntax: 1gb, 512mb) */
  readonly redisMaxMemory: string
}

export const clusterDefaults = Object.freeze({
  proxyPort: 8080,
  clerkCount: 3,
  childLogLevel: 'warn' as LogLevel,
  redisAppendFsync: 'everysec' as AppendFsync,
  // about 780 bytes per order (the order and its three indexes, measured): 1 GB holds some
  // 1.3 million orders, a dozen load-test matrices, before pays answer 503 "Redis is full"
  redisMaxMemory: '1gb',
})

/**
 * Where `npm start` keeps its private Redis's data: `$XDG_STATE_HOME/clerk-cluster/redis-<port>`
 * (XDG_STATE_HOME defaults to ~/.local/state). A state directory, because the ledger is data
 * the program keeps between runs, not part of the source: outside the work tree, `git clean`,
 * a new clone or `npm ci` leave it alone and nobody commits it by mistake. Keyed by PROXY_PORT,
 * the cluster's name everywhere else (the state file, the chaos command): two clusters on two
 * ports never append to one file, and the same port finds its orders again.
 */
export function defaultRedisDataDir(env: Env, proxyPort: number): string {
  const given = env.XDG_STATE_HOME?.trim()
  // the XDG spec: a relative XDG_STATE_HOME is invalid and ignored
  const stateHome = given && isAbsolute(given) ? given : join(homedir(), '.local', 'state')
  return join(stateHome, 'clerk-cluster', `redis-${proxyPort}`)
}

/** clerk ids run from clerk-a to clerk-z */
export const MAX_CLERKS = 26
const MIN_SECRET_LENGTH = 32 // characters, as the clerk requires
const MIN_TOKEN_LENGTH = 8 // characters, as the clerk requires

type Env = Record<string, string | undefined>

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url')
}

export function readClusterOptions(env: Env, makeToken: (bytes?: number) => string = randomToken): ClusterOptions {
  const proxyPort = readPort(env, 'PROXY_PORT', clusterDefaults.proxyPort)
  const clerkCount = readInt(env, 'CLERK_COUNT', clusterDefaults.clerkCount, { min: 1, max: MAX_CLERKS })
  if (proxyPort === 0) {
    throw new ConfigError('PROXY_PORT must be a fixed port (the clerks take the ports after it), got 0')
  }
  if (proxyPort + clerkCount > 65535) {
    throw new ConfigError(
      `PROXY_PORT ${proxyPort} leaves no room for ${clerkCount} clerks on the ports after it: use a port below ${65535 - clerkCount}`,
    )
  }
  const redisUrl = readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']) && readString(env, 'REDIS_URL')
  const givenToken = readString(env, 'ADMIN_TOKEN')
  const givenSecret = readString(env, 'SESSION_SECRET')
  if (givenSecret !== undefined && givenSecret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `SESSION_SECRET must be at least ${MIN_SECRET_LENGTH} characters, got ${givenSecret.length}`,
    )
  }
  if (givenToken !== undefined && givenToken.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(`ADMIN_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters long, got ${givenToken.length}`)
  }
  const throwaway = readChoice(env, 'REDIS_THROWAWAY', ['0', '1'], '0') === '1'
  const dataDir = readString(env, 'REDIS_DATA_DIR')
  if (throwaway && dataDir !== undefined) {
    throw new ConfigError('REDIS_THROWAWAY=1 keeps no data, so REDIS_DATA_DIR must not be set with it')
  }
  const maxMemory = readString(env, 'REDIS_MAXMEMORY', clusterDefaults.redisMaxMemory)
  if (!/^[1-9]\d{0,12}(?:[kmg]b?)?$/i.test(maxMemory)) {
    throw new ConfigError(`REDIS_MAXMEMORY must be a size such as 1gb or 512mb, got "${maxMemory}"`)
  }
  return Object.freeze({
    proxyPort,
    clerkCount,
    redisUrl,
    redisDataDir: throwaway ? undefined : resolve(dataDir ?? defaultRedisDataDir(env, proxyPort)),
    redisAppendFsync: readChoice(env, 'REDIS_APPENDFSYNC', APPEND_FSYNC, clusterDefaults.redisAppendFsync),
    redisMaxMemory: maxMemory,
    adminToken: givenToken ?? makeToken(),
    adminTokenGenerated: givenToken === undefined,
    sessionSecret: givenSecret ?? makeToken(32),
    sessionSecretGenerated: givenSecret === undefined,
    childLogLevel: readChoice(env, 'LOG_LEVEL', LOG_LEVELS, clusterDefaults.childLogLevel),
  })
}
