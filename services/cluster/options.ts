import { randomBytes } from 'node:crypto'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { ConfigError, choice, defineOptions, flag, int, matching, port, secret, text, urlText, type Env } from '../common/options.js'
import { LOG_LEVELS, type LogLevel } from '../common/log.js'
import { APPEND_FSYNC, type AppendFsync } from '../common/redis-server.js'
import { FRONTS, type FrontName } from '../common/lb-configs.js'

/** What `npm start` runs (readClusterOptions). */
export interface ClusterOptions {
  /** the proxy's port; clerks take the next ones (PROXY_PORT+1 …) */
  readonly proxyPort: number
  /** where the proxy listens: loopback, or 0.0.0.0 for a room (the clerks and the launcher stay on loopback) */
  readonly proxyHost: string
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
   *  (CLUSTER_REDIS_THROWAWAY=1: a temp dir removed at stop) */
  readonly redisDataDir: string | undefined
  /** when the private Redis fsyncs its append-only file */
  readonly redisAppendFsync: AppendFsync
  /** the private Redis's maxmemory (Redis's own syntax: 1gb, 512mb) */
  readonly redisMaxMemory: string
  /** how the children's log lines are shown: readable lines, or their JSON as it is (log-lines.ts) */
  readonly logFormat: LogFormat
  /** HAProxy and/or nginx to run beside our proxy, in front of the same clerks (fronts.ts) */
  readonly fronts: readonly FrontName[]
  /** HAProxy's port; nginx takes the next one */
  readonly frontPort: number
}

export const LOG_FORMATS = ['pretty', 'json'] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

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

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url')
}

/** what the environment says; readClusterOptions() makes up what it leaves out */
export interface ClusterSettings {
  readonly proxyPort: number
  readonly proxyHost: string
  readonly clerkCount: number
  readonly redisUrl: string | undefined
  readonly adminToken: string | undefined
  readonly sessionSecret: string | undefined
  readonly childLogLevel: LogLevel
  /** given by CLUSTER_REDIS_DATA_DIR; undefined: the default (or none for a throwaway run) */
  readonly redisDataDir: string | undefined
  readonly redisThrowaway: boolean
  readonly redisAppendFsync: AppendFsync
  readonly redisMaxMemory: string
  readonly logFormat: LogFormat
  readonly front: string | undefined
  readonly frontPort: number | undefined
}

/** the ports after PROXY_PORT that FRONT_PORT defaults to (clear of the clerks' 26) */
export const FRONT_PORT_OFFSET = 100

/** FRONT's text → the balancers, each once, in FRONTS' order ('none' or unset: none) */
export function readFronts(text: string | undefined): FrontName[] {
  if (text === undefined || text === 'none') return []
  const names = text.split(',').map((name) => name.trim())
  return FRONTS.filter((name) => names.includes(name))
}

/**
 * What `npm start` can be told, in one table (services/common/options.ts): its variable, its
 * default, its bounds and the sentence docs/contract.md prints. The clerks and the proxy it starts
 * read their own tables (child-environment.ts checks them first).
 */
export const clusterOptions = defineOptions<ClusterSettings>({
  part: 'npm start',
  options: [
    {
      env: 'PROXY_PORT',
      key: 'proxyPort',
      read: port(),
      default: 8080,
      doc: "where the proxy listens (the proxy's own PROXY_PORT); the clerks take PROXY_PORT+1 … PROXY_PORT+CLERK_COUNT (all must be free)",
    },
    {
      env: 'PROXY_HOST',
      key: 'proxyHost',
      read: matching(
        (value) => /^[0-9a-f.:]+$/i.test(value) || /^[a-z0-9.-]+$/i.test(value),
        (value) => `must be an address to listen on, such as 127.0.0.1 or 0.0.0.0, got "${value}"`,
      ),
      default: '127.0.0.1',
      doc: "where the proxy listens (the proxy's own PROXY_HOST): `0.0.0.0` lets a room of learners in (the banner prints their address); the clerks and the launcher stay on loopback",
    },
    { env: 'CLERK_COUNT', key: 'clerkCount', read: int({ min: 1, max: MAX_CLERKS }), default: 3, doc: '1..26 clerks, `clerk-a` … `clerk-z`' },
    {
      env: 'REDIS_URL',
      key: 'redisUrl',
      read: urlText(['redis:', 'rediss:']),
      docDefault: 'unset',
      doc: 'an external Redis; unset → a private `redis-server` from PATH, if any. Shown and logged with its password as `***`',
    },
    { env: 'ADMIN_TOKEN', key: 'adminToken', read: secret(8), docDefault: 'generated, printed', doc: "protects the chaos API and the clerks'/proxy's admin routes (≥ 8 chars)" },
    {
      env: 'SESSION_SECRET',
      key: 'sessionSecret',
      read: secret(32),
      docDefault: 'generated per run',
      doc: 'the same for every clerk (≥ 32 chars), so that any clerk verifies what another signed',
    },
    {
      env: 'LOG_LEVEL',
      key: 'childLogLevel',
      read: choice(LOG_LEVELS),
      // quieter than `info` by default so the banner stays readable
      default: 'warn',
      docDefault: '`warn` for the children',
      doc: 'the level of the clerks and the proxy it starts: `info` shows every request of every clerk',
    },
    {
      env: 'LOG_FORMAT',
      key: 'logFormat',
      read: choice(LOG_FORMATS),
      default: 'pretty',
      doc: "how the launcher shows its children's log lines: `pretty` (one readable line each) or `json` (as the services write them, for a log collector)",
    },
    {
      env: 'CLUSTER_REDIS_DATA_DIR',
      key: 'redisDataDir',
      read: text(),
      example: '/srv/clerk-cluster/redis',
      docDefault: '`$XDG_STATE_HOME/clerk-cluster/redis-$PROXY_PORT` (`~/.local/state/…`)',
      doc: 'where the private Redis keeps its append-only file; it outlives the run, and the same port finds its orders again',
      deprecated: ['REDIS_DATA_DIR'],
    },
    {
      env: 'CLUSTER_REDIS_THROWAWAY',
      key: 'redisThrowaway',
      read: flag(),
      default: false,
      docDefault: '0',
      doc: "1: a throwaway run, the private Redis's data in a temp dir removed at stop (still append-only during the run)",
      deprecated: ['REDIS_THROWAWAY'],
    },
    {
      env: 'CLUSTER_REDIS_APPENDFSYNC',
      key: 'redisAppendFsync',
      read: choice(APPEND_FSYNC),
      default: 'always',
      doc: '`always`: fsync before every answer, so no crash loses anything acknowledged; `everysec` is faster, but a busy disk lets Redis postpone writes it has acknowledged (docs/security.md)',
      deprecated: ['REDIS_APPENDFSYNC'],
    },
    {
      env: 'CLUSTER_REDIS_MAXMEMORY',
      key: 'redisMaxMemory',
      read: matching(
        (value) => /^[1-9]\d{0,12}(?:[kmg]b?)?$/i.test(value),
        (value) => `must be a size such as 1gb or 512mb, got "${value}"`,
      ),
      // about 780 bytes per order (the order and its three indexes, measured): 1 GB holds some
      // 1.3 million orders, a dozen load-test matrices, before pays answer 503 "Redis is full"
      default: '1gb',
      doc: "the private Redis's memory cap (policy `volatile-lru`: only shared sessions are ever evicted, never orders; full → pays answer 503)",
      deprecated: ['REDIS_MAXMEMORY'],
    },
    {
      env: 'FRONT',
      key: 'front',
      read: matching(
        (value) => value === 'none' || value.split(',').every((name) => (FRONTS as readonly string[]).includes(name.trim())),
        (value) => `must be haproxy, nginx or haproxy,nginx (or none), got "${value}"`,
      ),
      docDefault: 'unset (none)',
      doc: 'runs HAProxy and/or nginx beside our proxy, in front of the same clerks, configured like `npm run loadtest:lb-compare` (docs/failover.md); a binary that is not installed stops the start with one sentence',
    },
    {
      env: 'FRONT_PORT',
      key: 'frontPort',
      read: port(),
      docDefault: 'PROXY_PORT+100',
      doc: "HAProxy's port with FRONT; nginx takes FRONT_PORT+1",
    },
  ],
  finish(settings) {
    const { proxyPort, clerkCount } = settings
    if (proxyPort === 0) {
      throw new ConfigError('PROXY_PORT must be a fixed port (the clerks take the ports after it), got 0')
    }
    if (proxyPort + clerkCount > 65535) {
      throw new ConfigError(`PROXY_PORT ${proxyPort} leaves no room for ${clerkCount} clerks on the ports after it: use a port below ${65535 - clerkCount}`)
    }
    const frontPort = settings.frontPort ?? proxyPort + FRONT_PORT_OFFSET
    if (
      settings.front !== undefined &&
      (frontPort === 0 || frontPort + FRONTS.length - 1 > 65535 || (frontPort + FRONTS.length > proxyPort && frontPort <= proxyPort + MAX_CLERKS))
    ) {
      throw new ConfigError(
        `FRONT_PORT ${frontPort} must be a fixed port with room for ${FRONTS.length} (HAProxy, nginx), outside PROXY_PORT ${proxyPort} and the ${MAX_CLERKS} ports after it (the clerks')`,
      )
    }
    if (settings.redisThrowaway && settings.redisDataDir !== undefined) {
      throw new ConfigError('CLUSTER_REDIS_THROWAWAY=1 keeps no data, so CLUSTER_REDIS_DATA_DIR must not be set with it')
    }
    return settings
  },
})

/**
 * What `npm start` runs, read once from the environment, checked and frozen: the settings, with
 * a token and a secret made up when none is given. A value that is wrong stops the launcher with
 * one sentence naming the variable (main.ts prints it, exits 1).
 */
export function readClusterOptions(env: Env, makeToken: (bytes?: number) => string = randomToken, warn?: (line: string) => void): ClusterOptions {
  const settings = clusterOptions.read(env, warn)
  return Object.freeze({
    proxyPort: settings.proxyPort,
    proxyHost: settings.proxyHost,
    clerkCount: settings.clerkCount,
    redisUrl: settings.redisUrl,
    redisDataDir: settings.redisThrowaway ? undefined : resolve(settings.redisDataDir ?? defaultRedisDataDir(env, settings.proxyPort)),
    redisAppendFsync: settings.redisAppendFsync,
    redisMaxMemory: settings.redisMaxMemory,
    adminToken: settings.adminToken ?? makeToken(),
    adminTokenGenerated: settings.adminToken === undefined,
    sessionSecret: settings.sessionSecret ?? makeToken(32),
    sessionSecretGenerated: settings.sessionSecret === undefined,
    childLogLevel: settings.childLogLevel,
    logFormat: settings.logFormat,
    fronts: Object.freeze(readFronts(settings.front)),
    frontPort: settings.frontPort ?? settings.proxyPort + FRONT_PORT_OFFSET,
  })
}
