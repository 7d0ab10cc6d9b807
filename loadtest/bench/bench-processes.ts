/**
 * The processes a benchmark runs against: clerks sharing one redis-server, proxies, HAProxy. One
 * place for starting them, waiting until they answer, and stopping them, so that bench:clerk and
 * bench:proxy measure clerks started the same way. Whatever is still running when the benchmark's
 * process exits (a crash, Ctrl-C) is killed with it.
 *
 * @example
 *   const redis = await startRedisServer({ appendOnly: false })
 *   const clerks = await startBenchClerks(['clerk-a', 'clerk-b'], redis.url)
 *   try { … autocannon at clerks[0].url … } finally { await stopAll(clerks.map((c) => c.child)); await redis.stop() }
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { answersOk } from '../../services/common/answers-ok.js'
import { freePort } from '../../services/common/free-port.js'
import { projectRoot } from '../../services/common/project-root.js'
import { waitFor } from '../../services/common/wait-for.js'

export interface BenchClerk {
  id: string
  /** http://127.0.0.1:<port> */
  url: string
  port: number
  child: ChildProcess
}

/** the same secret for every benchmark clerk: the clerks of one run must share it */
const SESSION_SECRET = 'bench-session-secret-of-at-least-32-chars'
const READY_TIMEOUT_MS = 20_000 // 20 s: a starved 2-core machine starts Node slowly

const running = new Set<ChildProcess>()
/** children we are stopping on purpose: their exit is no news */
const stopping = new WeakSet<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** spawns `command` in the project root with `env` over this process's environment */
export function startProcess(command: string, args: string[], env: Record<string, string>, stdout: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  const child = spawn(command, args, {
    cwd: projectRoot(import.meta.url),
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'inherit'],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  return child
}

/** SIGTERM, then SIGKILL if it has not gone within 5 s; resolves once it has exited */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  stopping.add(child)
  const gone = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000) // 5 s
  await gone
  clearTimeout(timer)
}

/** stops the children one after another, the last started first */
export async function stopAll(children: ChildProcess[]): Promise<void> {
  for (const child of [...children].reverse()) await stopProcess(child)
}

/** resolves once GET `url` answers 2xx (20 s at the most) */
export async function waitUp(url: string, what: string): Promise<void> {
  await waitFor(() => answersOk(url), { what, timeoutMs: READY_TIMEOUT_MS })
}

/** starts a process and resolves once GET `url` answers; one that never does is stopped, not left running */
async function startUntilUp(command: string, args: string[], env: Record<string, string>, url: string, what: string): Promise<ChildProcess> {
  const child = startProcess(command, args, env)
  try {
    await waitUp(url, what)
  } catch (err) {
    await stopProcess(child)
    throw err
  }
  return child
}

/**
 * Starts one clerk process per id, all on the same Redis, and resolves once each answers
 * /readyz?mode=shared (so Redis is reachable from it too). Each clerk binds port 0 and we read its
 * address from its "Server listening at" log line: other benchmarks and tests run on this machine
 * at the same time, and a port picked in advance can be taken by one of them before the clerk
 * binds it. A clerk that dies before it is stopped says so on stderr: the figures would lie.
 */
export async function startBenchClerks(ids: readonly string[], redisUrl: string, env: Record<string, string> = {}): Promise<BenchClerk[]> {
  const clerks: BenchClerk[] = []
  try {
    for (const id of ids) clerks.push(await startBenchClerk(id, redisUrl, env))
  } catch (err) {
    await stopAll(clerks.map((c) => c.child))
    throw err
  }
  return clerks
}

async function startBenchClerk(id: string, redisUrl: string, env: Record<string, string>): Promise<BenchClerk> {
  const child = startProcess(
    process.execPath,
    ['dist/services/clerk/main.js'],
    {
      // the benchmark measures dialogues, every one a new session from one address: no limit
      CLERK_NEW_SESSIONS_PER_MINUTE: '0',
      ...env,
      CLERK_PORT: '0',
      CLERK_HOST: '127.0.0.1',
      CLERK_ID: id,
      REDIS_URL: redisUrl,
      SESSION_SECRET,
      LOG_LEVEL: 'info', // the "Server listening at" line; the clerk does not log each request
    },
    'pipe',
  )
  let output = ''
  let url: string | undefined
  child.stdout?.on('data', (chunk: Buffer) => {
    if (url !== undefined) return
    output += chunk.toString()
    url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
  })
  child.once('exit', (code, signal) => {
    if (!stopping.has(child)) process.stderr.write(`benchmark: clerk ${id} exited (${code ?? signal}) before it was stopped\n`)
  })
  try {
    const ready = await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`clerk ${id} exited with ${child.exitCode}: ${output}`)
        if (url === undefined) return undefined
        return (await answersOk(`${url}/readyz?mode=shared`)) ? url : undefined
      },
      { what: `clerk ${id} ready`, timeoutMs: READY_TIMEOUT_MS },
    )
    return { id, url: ready, port: Number(new URL(ready).port), child }
  } catch (err) {
    await stopProcess(child)
    throw err
  }
}

/** A target, started and answering: where to send the load, whose CPU to count, how to stop it. */
export interface BenchTarget {
  key: string
  name: string
  url: string
  /** the process whose tree's CPU is counted (undefined: direct, nothing in between) */
  pid: number | undefined
  close(): Promise<void>
}

function haproxyConfig(port: number, clerks: { id: string; port: number }[]): string {
  return [
    'global',
    '  nbthread 1',
    '  maxconn 4000',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  option http-keep-alive',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  default_backend clerks',
    'backend clerks',
    '  balance roundrobin',
    '  http-reuse always',
    ...clerks.map((c) => `  server ${c.id} 127.0.0.1:${c.port}`),
    '',
  ].join('\n')
}

function nginxConfig(port: number, clerks: { id: string; port: number }[], tmp: string): string {
  return [
    'worker_processes 1;',
    `pid ${join(tmp, 'nginx.pid')};`,
    `error_log ${join(tmp, 'nginx-error.log')} warn;`,
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${join(tmp, 'nginx-body')};`,
    `  proxy_temp_path ${join(tmp, 'nginx-proxy')};`,
    '  upstream clerks {',
    ...clerks.map((c) => `    server 127.0.0.1:${c.port};`),
    '    keepalive 64;',
    '  }',
    '  server {',
    `    listen 127.0.0.1:${port};`,
    '    location / {',
    '      proxy_pass http://clerks;',
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n')
}

/** nginx (one worker, keep-alive upstream connections): the second anchor beside HAProxy */
export async function startBenchNginx(binary: string, clerks: { id: string; port: number }[], tmp: string): Promise<BenchTarget> {
  const port = await freePort()
  const cfg = join(tmp, 'nginx.conf')
  writeFileSync(cfg, nginxConfig(port, clerks, tmp))
  const nginx = await startUntilUp(binary, ['-c', cfg, '-p', tmp, '-g', 'daemon off;'], {}, `http://127.0.0.1:${port}/readyz`, 'nginx')
  return { key: 'nginx', name: 'nginx', url: `http://127.0.0.1:${port}`, pid: nginx.pid, close: () => stopProcess(nginx) }
}

/**
 * One proxy process (`engine`, `workers`) in front of the clerks of `clerkList` (`id=url,…`), with
 * its full feature set at work: a dashboard listening to the event stream, metrics scraped every
 * second.
 */
export async function startBenchProxy(key: string, name: string, engine: string, workers: number, clerkList: string): Promise<BenchTarget> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const env = { PROXY_PORT: String(port), PROXY_CLERKS: clerkList, PROXY_ENGINE: engine, PROXY_WORKERS: String(workers), ADMIN_TOKEN: 'bench-admin-token', LOG_LEVEL: 'warn' }
  const proxy = await startUntilUp(process.execPath, ['dist/proxy/main.js'], env, `${base}/_lb/status`, `proxy ${name}`)
  // the full feature set: a dashboard listening to the event stream, metrics scraped every second
  const events = new AbortController()
  void fetch(`${base}/_lb/events`, { signal: events.signal })
    .then(async (res) => {
      for await (const chunk of res.body ?? []) void chunk
    })
    .catch(() => {})
  const scrape = setInterval(
    () =>
      void fetch(`${base}/metrics`)
        .then((r) => r.text())
        .catch(() => {}),
    1_000,
  )
  return {
    key,
    name,
    url: base,
    pid: proxy.pid,
    async close() {
      clearInterval(scrape)
      events.abort()
      await stopProcess(proxy)
    },
  }
}

/** HAProxy (nbthread 1, roundrobin) in front of the same clerks; its config goes to `tmp` */
export async function startBenchHaproxy(binary: string, clerks: { id: string; port: number }[], tmp: string): Promise<BenchTarget> {
  const port = await freePort()
  const cfg = join(tmp, 'haproxy.cfg')
  writeFileSync(cfg, haproxyConfig(port, clerks))
  const haproxy = await startUntilUp(binary, ['-f', cfg, '-db', '-q'], {}, `http://127.0.0.1:${port}/readyz`, 'haproxy')
  return { key: 'haproxy', name: 'haproxy', url: `http://127.0.0.1:${port}`, pid: haproxy.pid, close: () => stopProcess(haproxy) }
}
