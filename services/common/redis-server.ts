import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'
import { waitFor } from './wait-for.js'

/**
 * A private `redis-server` (Debian's, from PATH) on a loopback port, its data in a temp dir that
 * `stop()` removes. Tests, benchmarks and `npm start` use it; nothing here downloads Redis.
 *
 * @example
 *   const redis = await startRedisServer()
 *   process.env.REDIS_URL = redis.url
 *   await redis.kill(); await redis.start()   // a crash and a restart on the same port
 *   await redis.stop()
 */
export interface RedisServerOptions {
  port?: number
  /** appendonly persistence: orders survive a restart of this server (default true) */
  appendOnly?: boolean
  /** binary to run (default: `redis-server` from PATH) */
  binary?: string
}

export interface RedisServer {
  readonly url: string
  readonly port: number
  readonly dir: string
  pid(): number | undefined
  running(): boolean
  /** starts it again (same port, same data dir) after kill() or halt() */
  start(): Promise<void>
  /** SIGKILL: a crash */
  kill(): Promise<void>
  /** SIGTERM: a clean shutdown, keeping the data dir */
  halt(): Promise<void>
  /** shuts down for good and removes the data dir */
  stop(): Promise<void>
}

export function redisServerAvailable(binary = 'redis-server'): boolean {
  const probe = spawnSync(binary, ['--version'], { stdio: 'ignore' })
  return probe.status === 0
}

export function pingRedis(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = options.binary ?? 'redis-server'
  if (!redisServerAvailable(binary)) {
    throw new Error(`${binary} is not on PATH: install it (Debian: apt-get install redis-server)`)
  }
  const port = options.port ?? (await freePort())
  const dir = mkdtempSync(join(tmpdir(), 'clerk-cluster-redis-'))
  const appendOnly = options.appendOnly ?? true
  let child: ChildProcess | undefined

  const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null

  async function start(): Promise<void> {
    if (child && !exited(child)) return
    const args = [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--save', '',
      '--appendonly', appendOnly ? 'yes' : 'no',
      '--appendfsync', 'everysec',
      '--daemonize', 'no',
      '--logfile', '',
      '--loglevel', 'warning',
    ]
    const started = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    child = started
    let stderr = ''
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    await waitFor(
      async () => {
        if (exited(started)) throw new Error(`redis-server exited: ${stderr.trim()}`)
        return pingRedis(port)
      },
      { what: `redis-server on port ${port}`, timeoutMs: 10_000 },
    )
  }

  async function signal(sig: NodeJS.Signals): Promise<void> {
    const c = child
    if (!c || exited(c)) return
    const gone = new Promise((resolve) => c.once('exit', resolve))
    c.kill(sig)
    await gone
  }

  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => (child && !exited(child) ? child.pid : undefined),
    running: () => Boolean(child && !exited(child)),
    start,
    kill: () => signal('SIGKILL'),
    halt: () => signal('SIGTERM'),
    async stop() {
      await signal('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
