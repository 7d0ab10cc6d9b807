import { createConnection } from 'node:net'
import { redactUrl } from '../common/redact-url.js'
import { startRedisServer, type RedisServer } from '../common/redis-server.js'
import { waitFor } from '../common/wait-for.js'
import type { ClusterEvent } from './cluster-events.js'
import type { RedisPlan } from './plan.js'

/**
 * Redis as the launcher sees it: a private redis-server it owns (which chaos can stop and start,
 * and which is restarted if it dies by itself), an external one given by REDIS_URL (left alone),
 * or none at all (shared mode and payments answer 503).
 *
 * The private server runs without persistence (no appendonly, no periodic snapshots) and keeps
 * its data in a temp dir removed at the end. A chaos `stop` is a clean `SHUTDOWN SAVE`, so the
 * orders and shared sessions it held are back after `start`: the demo shows an outage, not data
 * loss.
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
  /** the private server's temp dir (forceStop removes it synchronously) */
  readonly dataDir: string | undefined
  status(): RedisStatus
  stop(): Promise<void>
  start(): Promise<void>
  /** the cluster is stopping: a Redis that goes away now is not restarted (on a terminal's
   *  Ctrl-C redis-server, in the launcher's process group, gets the SIGINT too) */
  stopWatching(): void
  /** shuts a private server down for good and removes its data dir */
  close(): Promise<void>
}

export class RedisNotManagedError extends Error {
  override name = 'RedisNotManagedError'
}

const WATCH_INTERVAL_MS = 1_000 // 1 s: how soon an unexpected Redis death is noticed

export async function startRedisControl(
  plan: RedisPlan,
  onEvent: (event: ClusterEvent) => void,
): Promise<RedisControl> {
  if (plan.kind !== 'private') {
    const url = plan.url
    const why =
      plan.kind === 'external'
        ? `Redis is external (REDIS_URL=${redactUrl(url)}); the launcher does not stop or start it`
        : 'there is no Redis to stop or start: install redis-server (apt-get install redis-server) or set REDIS_URL'
    return {
      url,
      plan,
      dataDir: undefined,
      status: () => ({
        state: plan.kind === 'external' ? 'running' : 'absent',
        url: plan.kind === 'external' ? redactUrl(url) : null,
        managed: false,
        pid: null,
      }),
      stop: () => Promise.reject(new RedisNotManagedError(why)),
      start: () => Promise.reject(new RedisNotManagedError(why)),
      stopWatching: () => {},
      close: async () => {},
    }
  }

  const server: RedisServer = await startRedisServer({ appendOnly: false })
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
    status: () => ({
      state: server.running() ? 'running' : 'stopped',
      url: redactUrl(server.url),
      managed: true,
      pid: server.pid() ?? null,
    }),
    async stop() {
      stoppedOnPurpose = true
      if (!server.running()) return
      await shutdownSave(server.port)
      await waitFor(() => !server.running(), { what: 'redis-server to shut down', timeoutMs: 10_000 })
    },
    async start() {
      stoppedOnPurpose = false
      await server.start()
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

/** SHUTDOWN SAVE: write the data set to the temp dir, then exit, so `start` finds it again */
function shutdownSave(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' })
    const done = () => {
      socket.destroy()
      resolve()
    }
    socket.setTimeout(5_000, done)
    socket.once('error', done) // the server closes the connection as it exits
    socket.once('close', done)
    socket.once('connect', () => socket.write('SHUTDOWN SAVE\r\n'))
  })
}
