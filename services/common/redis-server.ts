import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'
import { waitFor } from './wait-for.js'

/**
 * A private `redis-server` (Debian's, from PATH) on a loopback port. Tests, benchmarks and
 * `npm start` use it; nothing here downloads Redis. Its data lives in `dir` when given (a
 * directory that outlives it: `npm start`'s ledger) or else in a temp dir that `stop()` removes.
 *
 * Append-only by default, fsynced before every answer (`always`): no crash of redis-server or of
 * the host loses anything it acknowledged. `everysec` is faster but, on a busy disk, Redis
 * postpones writes it has already acknowledged for up to 2 s (docs/security.md says exactly what
 * is promised).
 *
 * @example
 *   const redis = await startRedisServer()
 *   process.env.REDIS_URL = redis.url
 *   await redis.kill(); await redis.start()   // a crash and a restart on the same port and data
 *   await redis.stop()
 */
export interface RedisServerOptions {
  port?: number
  /** appendonly persistence: orders survive a restart of this server (default true) */
  appendOnly?: boolean
  /** when the append-only file is fsynced: before every answer (default) or every second */
  appendFsync?: AppendFsync
  /** a data directory that outlives this server (created, mode 0700, if missing); default: a
   *  temp dir that stop() removes */
  dir?: string
  /** Redis's `maxmemory` (e.g. `512mb`); default: none */
  maxMemory?: string
  /** Redis's `maxmemory-policy` (default LEDGER_SAFE_MEMORY_POLICY) */
  maxMemoryPolicy?: string
  /** `requirepass`: clients must AUTH (the URL carries it) */
  password?: string
  /** binary to run (default: `redis-server` from PATH) */
  binary?: string
}

export const APPEND_FSYNC = ['everysec', 'always'] as const
export type AppendFsync = (typeof APPEND_FSYNC)[number]

/**
 * The only memory policy under which Redis may evict keys and the ledger survives: `volatile-*`
 * evicts only keys that carry a TTL. Shared sessions carry one (they expire with the session);
 * the ledger's keys (orders, their indexes, the seq) carry none, so Redis never evicts an order.
 * When nothing evictable is left, Redis refuses writes (OOM) and the clerks answer 503 with
 * nothing charged. `allkeys-*` would evict orders; `noeviction` would stop payments as soon as
 * abandoned sessions fill the memory. docker-compose.yml sets the same.
 */
export const LEDGER_SAFE_MEMORY_POLICY = 'volatile-lru'

export interface RedisServer {
  readonly url: string
  readonly port: number
  readonly dir: string
  /** true when `dir` was given and outlives the server */
  readonly persistent: boolean
  pid(): number | undefined
  running(): boolean
  /** starts it again (same port, same data dir) after kill() or halt() */
  start(): Promise<void>
  /** SIGKILL: a crash */
  kill(): Promise<void>
  /** SIGTERM: a clean shutdown (the append-only file is flushed), keeping the data dir */
  halt(): Promise<void>
  /** shuts down for good; removes the data dir unless it is persistent */
  stop(): Promise<void>
}

export function redisServerAvailable(binary = 'redis-server'): boolean {
  const probe = spawnSync(binary, ['--version'], { stdio: 'ignore' })
  return probe.status === 0
}

/** true when Redis answers PING with PONG (after AUTH when a password is given) */
export function pingRedis(port: number, host = '127.0.0.1', timeoutMs = 500, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host })
    let received = ''
    const replies = password === undefined ? 1 : 2
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => {
      const auth = password === undefined ? '' : `*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(password)}\r\n${password}\r\n`
      socket.write(`${auth}PING\r\n`)
    })
    socket.on('data', (data) => {
      received += data.toString()
      const lines = received.split('\r\n')
      if (lines.length > replies) done(lines[replies - 1]?.startsWith('+PONG') === true)
    })
  })
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = options.binary ?? 'redis-server'
  if (!redisServerAvailable(binary)) {
    throw new Error(`${binary} is not on PATH: npm run setup installs it`)
  }
  const port = options.port ?? (await freePort())
  const persistent = options.dir !== undefined
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'clerk-cluster-redis-'))
  // the append-only file holds every order and idempotency key: for this user only
  if (persistent) mkdirSync(dir, { recursive: true, mode: 0o700 })
  const pidFile = join(dir, 'redis-server.pid')
  const appendOnly = options.appendOnly ?? true
  let child: ChildProcess | undefined

  const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null

  async function start(): Promise<void> {
    if (child && !exited(child)) return
    assertDirUnused(dir, pidFile)
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--pidfile',
      pidFile,
      '--save',
      '',
      '--appendonly',
      appendOnly ? 'yes' : 'no',
      '--appendfsync',
      options.appendFsync ?? 'always',
      '--maxmemory-policy',
      options.maxMemoryPolicy ?? LEDGER_SAFE_MEMORY_POLICY,
      ...(options.maxMemory === undefined ? [] : ['--maxmemory', options.maxMemory]),
      '--daemonize',
      'no',
      '--logfile',
      '',
      '--loglevel',
      'warning',
    ]
    // the password goes through stdin as a config line, not argv, where `ps` would show it
    const started = spawn(binary, options.password === undefined ? args : ['-', ...args], { stdio: ['pipe', 'ignore', 'pipe'] })
    started.stdin?.end(options.password === undefined ? '' : `requirepass ${JSON.stringify(options.password)}\n`)
    child = started
    let stderr = ''
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    await waitFor(
      async () => {
        if (exited(started)) throw new Error(`redis-server exited: ${stderr.trim()}`)
        return pingRedis(port, '127.0.0.1', 500, options.password)
      },
      // replaying a large append-only file takes a while
      { what: `redis-server on port ${port}`, timeoutMs: 60_000 },
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
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    dir,
    persistent,
    pid: () => (child && !exited(child) ? child.pid : undefined),
    running: () => Boolean(child && !exited(child)),
    start,
    kill: () => signal('SIGKILL'),
    halt: () => signal('SIGTERM'),
    async stop() {
      await signal('SIGTERM')
      if (!persistent) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Two redis-servers appending to one file would corrupt it: a data dir whose pid file names a
 * live redis-server (one left running by a launcher that was SIGKILLed, say) is refused. A pid
 * file left by a crash names a dead pid and is fine.
 */
function assertDirUnused(dir: string, pidFile: string): void {
  let pid: number
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim())
  } catch {
    return // no pid file
  }
  if (!Number.isInteger(pid) || pid <= 0) return
  let command: string
  try {
    command = readFileSync(`/proc/${pid}/comm`, 'utf8')
  } catch {
    return // not running (or no /proc: nothing to check against)
  }
  if (command.startsWith('redis')) {
    throw new Error(`another redis-server (pid ${pid}) already uses ${dir}: stop it first, or choose another data directory`)
  }
}
