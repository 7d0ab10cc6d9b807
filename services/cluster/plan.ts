/**
 * Pure: what `npm start` runs, as data. The launcher turns these specs into processes; tests read
 * them without starting anything.
 *
 * @example
 *   planCluster({ proxyPort: 8080, clerkCount: 3, redisUrl: 'redis://127.0.0.1:41234', … })
 *   // → clerks clerk-a:8081, clerk-b:8082, clerk-c:8083, proxy:8080 with PROXY_CLERKS pointing at them
 */
/** front: HAProxy or nginx beside our proxy (FRONT, fronts.ts) */
export type ProcessKind = 'clerk' | 'proxy' | 'front'

export interface ProcessSpec {
  readonly id: string
  readonly kind: ProcessKind
  /** the built script, relative to dist/ (a front: its binary's name) */
  readonly script: string
  /** a binary and its arguments to run instead of `node dist/<script>` (HAProxy, nginx) */
  readonly command?: readonly string[]
  readonly port: number
  /** environment on top of the launcher's own (which every child inherits) */
  readonly env: Readonly<Record<string, string>>
  /** answers 2xx once the process serves */
  readonly readyPath: string
}

export interface ClusterPlanInput {
  proxyPort: number
  clerkCount: number
  /** where the clerks find Redis (a URL that refuses when there is none: shared mode answers 503) */
  redisUrl: string
  adminToken: string
  sessionSecret: string
  /** the launcher's chaos API, which the proxy forwards `/_cluster/*` to */
  launcherUrl: string
  logLevel: string
  /** where the clerks listen and the proxy reaches them (loopback) */
  host?: string
  /** where the proxy listens for customers; default `host` (0.0.0.0: a room) */
  proxyHost?: string
}

export interface ClusterPlan {
  readonly clerks: readonly ProcessSpec[]
  readonly proxy: ProcessSpec
}

export type RedisPlan =
  { readonly kind: 'external'; readonly url: string } | ({ readonly kind: 'private' } & PrivateRedisOptions) | { readonly kind: 'absent'; readonly url: string }

/** how `npm start` runs its own redis-server (docs/running.md) */
export interface PrivateRedisOptions {
  /** outlives the run; undefined: a throwaway temp dir */
  readonly dataDir: string | undefined
  readonly appendFsync: 'everysec' | 'always'
  readonly maxMemory: string
}

/**
 * Nothing listens on port 1 of loopback (binding it needs root and nobody does): clerks pointed
 * there see Redis as down at once and answer 503 in shared mode, instead of finding some other
 * Redis that happens to run on 6379.
 */
export const NO_REDIS_URL = 'redis://127.0.0.1:1'

export const CLERK_SCRIPT = 'services/clerk/main.js'
export const PROXY_SCRIPT = 'proxy/main.js'

export function clerkId(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > 25) {
    throw new RangeError(`clerk index must be 0..25, got ${index}`)
  }
  return `clerk-${String.fromCharCode(97 + index)}`
}

/** REDIS_URL wins; else a private redis-server if one is on PATH; else none. */
export function planRedis(redisUrl: string | undefined, redisServerOnPath: boolean, own: PrivateRedisOptions): RedisPlan {
  if (redisUrl !== undefined) return { kind: 'external', url: redisUrl }
  if (redisServerOnPath) return { kind: 'private', ...own }
  return { kind: 'absent', url: NO_REDIS_URL }
}

export function planCluster(input: ClusterPlanInput): ClusterPlan {
  const host = input.host ?? '127.0.0.1'
  const clerks: ProcessSpec[] = []
  for (let i = 0; i < input.clerkCount; i++) clerks.push(clerkSpec(input, clerkId(i), input.proxyPort + 1 + i))
  const proxy: ProcessSpec = Object.freeze({
    id: 'proxy',
    kind: 'proxy' as const,
    script: PROXY_SCRIPT,
    port: input.proxyPort,
    readyPath: '/_lb/status',
    env: Object.freeze({
      PROXY_PORT: String(input.proxyPort),
      PROXY_HOST: input.proxyHost ?? host,
      PROXY_CLERKS: clerks.map((c) => `${c.id}=http://${host}:${c.port}`).join(','),
      ADMIN_TOKEN: input.adminToken,
      PROXY_LAUNCHER_URL: input.launcherUrl,
      LOG_LEVEL: input.logLevel,
    }),
  })
  return Object.freeze({ clerks: Object.freeze(clerks), proxy })
}

/** one clerk of the plan: at start (planCluster), or added at run time (nextClerkSpec) */
export function clerkSpec(input: ClusterPlanInput, id: string, port: number): ProcessSpec {
  const host = input.host ?? '127.0.0.1'
  return Object.freeze({
    id,
    kind: 'clerk' as const,
    script: CLERK_SCRIPT,
    port,
    readyPath: '/healthz',
    env: Object.freeze({
      CLERK_PORT: String(port),
      CLERK_HOST: host,
      CLERK_ID: id,
      REDIS_URL: input.redisUrl,
      SESSION_SECRET: input.sessionSecret,
      ADMIN_TOKEN: input.adminToken,
      LOG_LEVEL: input.logLevel,
      // the proxy reaches the clerks over loopback: believe its X-Forwarded-For, one hop
      CLERK_TRUST_PROXY: 'loopback',
    }),
  })
}

/**
 * The clerk `npm run chaos -- add` starts: the first free letter (a removed clerk's id may come
 * back), on the first port after the proxy's that no clerk of this cluster has and `isFree` says
 * is free. Undefined when all 26 ids are taken.
 *
 * @example
 *   nextClerkSpec(input, [a:8081, b:8082, c:8083], () => true) // → clerk-d on 8084
 */
export async function nextClerkSpec(
  input: ClusterPlanInput,
  taken: readonly { id: string; port: number }[],
  portFree: (port: number) => boolean | Promise<boolean>,
): Promise<ProcessSpec | undefined> {
  const ids = new Set(taken.map((t) => t.id))
  const ports = new Set(taken.map((t) => t.port))
  let index = 0
  while (index <= 25 && ids.has(clerkId(index))) index++
  if (index > 25) return undefined
  let port = input.proxyPort + 1
  while (port <= 65535 && (ports.has(port) || !(await portFree(port)))) port++
  if (port > 65535) return undefined
  return clerkSpec(input, clerkId(index), port)
}
