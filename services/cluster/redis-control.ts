import { createConnection } from 'node:net'
import { redactUrl } from '../common/redact-url.js'
import { LEDGER_SAFE_MEMORY_POLICY, startRedisServer, type RedisServer } from '../common/redis-server.js'
import { waitFor } from '../common/wait-for.js'
import type { ClusterEvent } from './cluster-events.js'
import type { RedisPlan } from './plan.js'

/**
 * Redis as the launcher sees it: a private redis-server it owns (which chaos can stop, start and
 * kill, and which is restarted if it dies by itself), an external one given by REDIS_URL (left
 * alone), or none at all (shared mode and payments answer 503).
 *
 * The private server keeps an append-only file, fsynced before every answer (or every second: see
 * CLUSTER_REDIS_APPENDFSYNC), in a data directory that outlives the run (CLUSTER_REDIS_DATA_DIR; a temp dir
 * removed at stop for CLUSTER_REDIS_THROWAWAY=1). Redis writes each command to that file before it
 * answers, so the restart after a crash (SIGKILL, OOM kill) comes back with every order and
 * shared session it acknowledged; a chaos `stop` is a clean SHUTDOWN, which flushes the file.
 * Its memory is capped (CLUSTER_REDIS_MAXMEMORY) with the one policy that never evicts the ledger
 * (LEDGER_SAFE_MEMORY_POLICY).
 */
export type RedisState = 'running' | 'stopped' | 'absent'

export interface RedisStatus {
  state: RedisState
  url: string | null
  managed: boolean
  pid: number | null
}

export interface RedisControl {
  /** the URL the clerks use (for `absent`, one that refuses at once) */
  readonly url: string
  readonly plan: RedisPlan
  /** where the private server keeps its data (undefined: no private server) */
  readonly dataDir: string | undefined
  /** the data dir when it is a throwaway temp dir (forceStop removes it synchronously) */
  readonly throwawayDir: string | undefined
  status(): RedisStatus
  stop(): Promise<void>
  start(): Promise<void>
  /** SIGKILL, a crash: the watch starts it again as after any crash */
  kill(): Promise<void>
  /** the cluster is stopping: a Redis that goes away now is not restarted (on a terminal's
   *  Ctrl-C redis-server, in the launcher's process group, gets the SIGINT too) */
  stopWatching(): void
  /** shuts a private server down for good and removes its data dir */
  close(): Promise<void>
}

export class RedisNotManagedError extends Error {
  override name = 'RedisNotManagedError'
}

/** the action does not fit the private server's state (kill a stopped one) */
export class RedisStateError extends Error {
  override name = 'RedisStateError'
}

const WATCH_INTERVAL_MS = 1_000 // 1 s: how soon an unexpected Redis death is noticed

export async function startRedisControl(plan: RedisPlan, onEvent: (event: ClusterEvent) => void): Promise<RedisControl> {
  if (plan.kind !== 'private') {
    const url = plan.url
    const why =
      plan.kind === 'external'
        ? `Redis is external (REDIS_URL=${redactUrl(url)}); the launcher does not stop or start it`
        : 'there is no Redis to stop or start: install redis-server (npm run setup) or set REDIS_URL'
    return {
      url,
      plan,
      dataDir: undefined,
      throwawayDir: undefined,
      status: () => ({
        state: plan.kind === 'external' ? 'running' : 'absent',
        url: plan.kind === 'external' ? redactUrl(url) : null,
        managed: false,
        pid: null,
      }),
      stop: () => Promise.reject(new RedisNotManagedError(why)),
      start: () => Promise.reject(new RedisNotManagedError(why)),
      kill: () => Promise.reject(new RedisNotManagedError(why)),
      stopWatching: () => {},
      close: async () => {},
    }
  }

  const server: RedisServer = await startRedisServer({
    appendOnly: true,
    appendFsync: plan.appendFsync,
    maxMemory: plan.maxMemory,
    maxMemoryPolicy: LEDGER_SAFE_MEMORY_POLICY,
    ...(plan.dataDir === undefined ? {} : { dir: plan.dataDir }),
  })
  let stoppedOnPurpose = false
  let closing = false
  let restarting = false

  // redis-server.ts reports no exit events: a light poll notices a crash and brings it back
  const watch = setInterval(() => {
    if (stoppedOnPurpose || closing || restarting || server.running()) return
    restarting = true
    onEvent({ type: 'redis', state: 'restarting', detail: 'redis-server died unexpectedly; starting it again' })
    server
      .start()
      .then(() => onEvent({ type: 'redis', state: 'running', detail: `back on ${redactUrl(server.url)}` }))
      .catch((err: Error) => onEvent({ type: 'redis', state: 'stopped', detail: `could not restart: ${err.message}` }))
      .finally(() => {
        restarting = false
      })
  }, WATCH_INTERVAL_MS)
  watch.unref()

  return {
    url: server.url,
    plan,
    dataDir: server.dir,
    throwawayDir: server.persistent ? undefined : server.dir,
    status: () => ({
      state: server.running() ? 'running' : 'stopped',
      url: redactUrl(server.url),
      managed: true,
      pid: server.pid() ?? null,
    }),
    async stop() {
      stoppedOnPurpose = true
      if (!server.running()) return
      await shutdown(server.port)
      await waitFor(() => !server.running(), { what: 'redis-server to shut down', timeoutMs: 10_000 })
    },
    async start() {
      stoppedOnPurpose = false
      await server.start()
    },
    async kill() {
      if (stoppedOnPurpose || !server.running()) throw new RedisStateError('redis-server is not running: start it first (redis start)')
      await server.kill()
    },
    stopWatching() {
      closing = true
      clearInterval(watch)
    },
    async close() {
      closing = true
      clearInterval(watch)
      await server.stop()
    },
  }
}

/** SHUTDOWN: flush and fsync the append-only file, then exit, so `start` finds everything again */
function shutdown(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' })
    const done = () => {
      socket.destroy()
      resolve()
    }
    socket.setTimeout(5_000, done)
    socket.once('error', done) // the server closes the connection as it exits
    socket.once('close', done)
    socket.once('connect', () => socket.write('SHUTDOWN\r\n'))
  })
}
