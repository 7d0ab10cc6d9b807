import { randomBytes } from 'node:crypto'
import { ConfigError, readChoice, readInt, readPort, readString, readUrl } from '../common/env-checks.js'
import { LOG_LEVELS, type LogLevel } from '../common/log-levels.js'

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
}

export const clusterDefaults = Object.freeze({
  proxyPort: 8080,
  clerkCount: 3,
  childLogLevel: 'warn' as LogLevel,
})

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
  return Object.freeze({
    proxyPort,
    clerkCount,
    redisUrl,
    adminToken: givenToken ?? makeToken(),
    adminTokenGenerated: givenToken === undefined,
    sessionSecret: givenSecret ?? makeToken(32),
    sessionSecretGenerated: givenSecret === undefined,
    childLogLevel: readChoice(env, 'LOG_LEVEL', LOG_LEVELS, clusterDefaults.childLogLevel),
  })
}
