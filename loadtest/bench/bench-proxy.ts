import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import autocannon from 'autocannon'
import { freePort } from '../../services/common/free-port.js'
import { projectRoot } from '../../services/common/project-root.js'
import { startRedisServer } from '../../services/common/redis-server.js'
import { waitFor } from '../../services/common/wait-for.js'

/**
 * `npm run bench:proxy`: in ONE run, with the same real clerks and a real redis-server, drives the
 * same stateless request (POST /stateless/ask) directly at a clerk, through this proxy (each engine,
 * PROXY_WORKERS 1 and 2, full feature set: policies, health checks, metrics, an open event stream)
 * and through HAProxy (nbthread 1, roundrobin, same clerks), and prints requests/s, p50/p99 and the
 * CPU seconds each proxy process spent per request, with ratios to HAProxy.
 *
 * The load generator is wrk when it is on PATH (a C program: it leaves the 2 cores to the proxies
 * instead of taking most of one, as autocannon, a Node process, does), else autocannon. Every
 * target of one run gets the same generator, connections, duration and request.
 *
 *   npm run bench:proxy -- --duration 5 --connections 50 --only undici-1,haproxy
 */
export type LoadGeneratorName = 'wrk' | 'autocannon'

export interface BenchArguments {
  durationSeconds: number
  connections: number
  clerks: number
  only: string[] | undefined
  warmupSeconds: number
  /** rounds over every target; each target keeps its best round (this machine is shared and noisy) */
  rounds: number
  /** undefined: wrk when it is on PATH, else autocannon */
  generator: LoadGeneratorName | undefined
}

export function parseArguments(argv: string[]): BenchArguments {
  const args: BenchArguments = { durationSeconds: 5, connections: 50, clerks: 2, only: undefined, warmupSeconds: 1, rounds: 1, generator: undefined }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = argv[i + 1]
    const int = (name: string) => {
      const n = Number(value)
      if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, got "${value}"`)
      i++
      return n
    }
    if (flag === '--duration') args.durationSeconds = int('--duration')
    else if (flag === '--connections') args.connections = int('--connections')
    else if (flag === '--clerks') args.clerks = int('--clerks')
    else if (flag === '--rounds') args.rounds = int('--rounds')
    else if (flag === '--warmup') {
      args.warmupSeconds = Number(value)
      i++
    } else if (flag === '--generator') {
      if (value !== 'wrk' && value !== 'autocannon') throw new Error(`--generator must be wrk or autocannon, got "${value}"`)
      args.generator = value
      i++
    } else if (flag === '--only') {
      args.only = (value ?? '').split(',').filter(Boolean)
      i++
    } else if (flag === '--help' || flag === '-h') {
      throw new Error('usage: bench-proxy [--duration S] [--connections N] [--clerks N] [--warmup S] [--rounds N] [--generator wrk|autocannon] [--only direct,undici-1,undici-2,http-proxy-1,http-proxy-2,haproxy]')
    } else throw new Error(`unknown argument "${flag}"`)
  }
  return args
}

export interface Measurement {
  name: string
  requestsPerSec: number
  p50Ms: number
  p99Ms: number
  errors: number
  non2xx: number
  requests: number
  /** CPU seconds of the proxy processes (undefined for direct) */
  cpuSeconds: number | undefined
}

export interface Row extends Measurement {
  cpuMicrosPerRequest: number | undefined
  throughputVsHaproxy: number | undefined
  cpuVsHaproxy: number | undefined
}

/** pure: measurements → rows with per-request CPU and ratios to HAProxy */
export function summarize(measurements: Measurement[]): Row[] {
  const perRequest = (m: Measurement) => (m.cpuSeconds === undefined || m.requests === 0 ? undefined : (m.cpuSeconds / m.requests) * 1e6)
  const haproxy = measurements.find((m) => m.name === 'haproxy')
  const haCpu = haproxy ? perRequest(haproxy) : undefined
  return measurements.map((m) => {
    const cpu = perRequest(m)
    return {
      ...m,
      cpuMicrosPerRequest: cpu,
      throughputVsHaproxy: haproxy && haproxy.requestsPerSec > 0 ? m.requestsPerSec / haproxy.requestsPerSec : undefined,
      cpuVsHaproxy: cpu !== undefined && haCpu ? cpu / haCpu : undefined,
    }
  })
}

export function renderTable(rows: Row[], args: BenchArguments, generator: LoadGeneratorName = 'autocannon'): string {
  const f = (n: number | undefined, digits = 0) => (n === undefined ? '-' : n.toFixed(digits))
  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU µs/req', '× HAProxy req/s', '× HAProxy CPU/req']
  const lines = rows.map((r) => [
    r.name,
    f(r.requestsPerSec),
    f(r.p50Ms, 1),
    f(r.p99Ms, 1),
    String(r.errors + r.non2xx),
    f(r.cpuMicrosPerRequest, 1),
    f(r.throughputVsHaproxy, 2),
    f(r.cpuVsHaproxy, 2),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)))
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [
    `POST /stateless/ask with ${generator}, ${args.connections} connections, ${args.durationSeconds} s each, best of ${args.rounds} round(s), ${args.clerks} clerks, same machine`,
    fmt(header),
    fmt(widths.map((w) => '-'.repeat(w))),
    ...lines.map(fmt),
  ].join('\n')
}

// ---- processes -------------------------------------------------------------------------------

const CLK_TCK = 100 // Linux USER_HZ

/** utime + stime of a process and all its descendants, in seconds (from /proc) */
function cpuSecondsOfTree(pid: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
      // fields[0] is state (field 3); ppid is field 4, utime 14, stime 15
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) })
    } catch {
      // the process ended meanwhile
    }
  }
  let ticks = 0
  const visit = (p: number) => {
    const s = stats.get(p)
    if (!s) return
    ticks += s.ticks
    for (const [child, cs] of stats) if (cs.ppid === p) visit(child)
  }
  visit(pid)
  return ticks / CLK_TCK
}

function start(command: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(command, args, { cwd: projectRoot(import.meta.url), env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
  return child
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await gone
  clearTimeout(timer)
}

async function waitUp(url: string, what: string): Promise<void> {
  await waitFor(
    async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) })
      await res.arrayBuffer()
      return res.ok
    },
    { what, timeoutMs: 20_000 },
  )
}

/** The one request every target gets: a stateless `ask` (the clerk prices it; no session). */
const REQUEST = { path: '/stateless/ask', method: 'POST', contentType: 'application/json', body: JSON.stringify({ product: 'laptop' }) }

/** What one load-generator run gives, whichever generator ran it. */
export interface LoadResult {
  requestsPerSec: number
  p50Ms: number
  p99Ms: number
  errors: number
  non2xx: number
  requests: number
}

export interface LoadGenerator {
  readonly name: LoadGeneratorName
  run(url: string, seconds: number, connections: number): Promise<LoadResult>
}

/** the first `wrk` executable on PATH, or undefined */
export function findOnPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, command)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

const WRK_MARK = 'BENCH_PROXY_WRK '

/** The wrk script: the same POST as autocannon sends, and a summary as one JSON line. */
export function wrkScript(): string {
  const lua = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  return [
    `wrk.method = ${lua(REQUEST.method)}`,
    `wrk.body = ${lua(REQUEST.body)}`,
    `wrk.headers["Content-Type"] = ${lua(REQUEST.contentType)}`,
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    `  io.write(string.format('${WRK_MARK}{"requests":%d,"durationUs":%d,"p50Us":%.0f,"p99Us":%.0f,` +
      `"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',`,
    '    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),',
    '    e.connect, e.read, e.write, e.status, e.timeout))',
    'end',
    '',
  ].join('\n')
}

/** pure: wrk's output (with our script's summary line) → a LoadResult */
export function parseWrkOutput(stdout: string): LoadResult {
  const line = stdout.split('\n').find((l) => l.startsWith(WRK_MARK))
  if (line === undefined) throw new Error(`wrk printed no summary line; its output was:\n${stdout}`)
  const s = JSON.parse(line.slice(WRK_MARK.length)) as Record<string, number>
  const n = (k: string) => s[k] ?? 0
  return {
    requestsPerSec: n('durationUs') > 0 ? n('requests') / (n('durationUs') / 1e6) : 0,
    p50Ms: n('p50Us') / 1000,
    p99Ms: n('p99Us') / 1000,
    errors: n('connect') + n('read') + n('write') + n('timeout'),
    non2xx: n('status'),
    requests: n('requests'),
  }
}

function wrkGenerator(binary: string, scriptFile: string): LoadGenerator {
  return {
    name: 'wrk',
    run(url, seconds, connections) {
      // one thread: wrk keeps 50 connections busy from one core's fraction, leaving the rest to the proxy
      const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', scriptFile, `${url}${REQUEST.path}`]
      return new Promise((resolve, reject) => {
        const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
        let out = ''
        let err = ''
        child.stdout.on('data', (c: Buffer) => (out += c.toString()))
        child.stderr.on('data', (c: Buffer) => (err += c.toString()))
        child.once('error', reject)
        child.once('close', (code) => {
          if (code !== 0) reject(new Error(`wrk exited with ${code}: ${err || out}`))
          else {
            try {
              resolve(parseWrkOutput(out))
            } catch (e) {
              reject(e as Error)
            }
          }
        })
      })
    },
  }
}

const autocannonGenerator: LoadGenerator = {
  name: 'autocannon',
  async run(url, seconds, connections) {
    const result = await autocannon({
      url: `${url}${REQUEST.path}`,
      method: REQUEST.method as 'POST',
      headers: { 'content-type': REQUEST.contentType },
      body: REQUEST.body,
      connections,
      duration: seconds,
    })
    return {
      requestsPerSec: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
      requests: result.requests.total,
    }
  },
}

/** wrk when asked for or on PATH; autocannon when asked for or wrk is missing */
function chooseGenerator(wanted: LoadGeneratorName | undefined, tmp: string): LoadGenerator {
  if (wanted === 'autocannon') return autocannonGenerator
  const wrk = findOnPath('wrk')
  if (wrk === undefined) {
    if (wanted === 'wrk') throw new Error('--generator wrk: wrk is not on PATH (Debian: apt-get install wrk)')
    process.stderr.write('  wrk is not on PATH (Debian: apt-get install wrk): using autocannon, which shares the cores with the proxy\n')
    return autocannonGenerator
  }
  const scriptFile = join(tmp, 'bench-proxy.lua')
  writeFileSync(scriptFile, wrkScript())
  return wrkGenerator(wrk, scriptFile)
}

async function measure(name: string, url: string, pid: number | undefined, args: BenchArguments, load: LoadGenerator): Promise<Measurement> {
  if (args.warmupSeconds > 0) await load.run(url, Math.max(1, Math.round(args.warmupSeconds)), args.connections)
  const before = pid === undefined ? 0 : cpuSecondsOfTree(pid)
  const result = await load.run(url, args.durationSeconds, args.connections)
  const after = pid === undefined ? 0 : cpuSecondsOfTree(pid)
  const measurement: Measurement = { name, ...result, cpuSeconds: pid === undefined ? undefined : after - before }
  process.stderr.write(`  ${name}: ${Math.round(measurement.requestsPerSec)} req/s\n`)
  return measurement
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

async function measureProxy(name: string, engine: string, workers: number, clerkList: string, args: BenchArguments, load: LoadGenerator): Promise<Measurement> {
  const port = await freePort()
  const proxy = start(process.execPath, ['dist/proxy/main.js'], {
    PORT: String(port),
    CLERKS: clerkList,
    PROXY_ENGINE: engine,
    PROXY_WORKERS: String(workers),
    ADMIN_TOKEN: 'bench-admin-token',
    LOG_LEVEL: 'warn',
  })
  const base = `http://127.0.0.1:${port}`
  try {
    await waitUp(`${base}/_lb/status`, `proxy ${name}`)
    // the full feature set: a dashboard listening to the event stream, metrics scraped every second
    const events = new AbortController()
    void fetch(`${base}/_lb/events`, { signal: events.signal })
      .then(async (res) => {
        for await (const chunk of res.body ?? []) void chunk
      })
      .catch(() => {})
    const scrape = setInterval(() => void fetch(`${base}/metrics`).then((r) => r.text()).catch(() => {}), 1_000)
    try {
      return await measure(name, base, proxy.pid, args, load)
    } finally {
      clearInterval(scrape)
      events.abort()
    }
  } finally {
    await stop(proxy)
  }
}

async function measureHaproxy(binary: string, clerks: { id: string; port: number }[], tmp: string, args: BenchArguments, load: LoadGenerator): Promise<Measurement> {
  const port = await freePort()
  const cfg = join(tmp, 'haproxy.cfg')
  writeFileSync(cfg, haproxyConfig(port, clerks))
  const haproxy = start(binary, ['-f', cfg, '-db', '-q'], {})
  try {
    await waitUp(`http://127.0.0.1:${port}/readyz`, 'haproxy')
    return await measure('haproxy', `http://127.0.0.1:${port}`, haproxy.pid, args, load)
  } finally {
    await stop(haproxy)
  }
}

async function main(): Promise<void> {
  let args: BenchArguments
  try {
    args = parseArguments(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    process.exit(1)
  }
  const wanted = (name: string) => args.only === undefined || args.only.includes(name)
  const children: ChildProcess[] = []
  const redis = await startRedisServer({ appendOnly: false })
  const tmp = mkdtempSync(join(tmpdir(), 'bench-proxy-'))
  try {
    const clerks: { id: string; port: number }[] = []
    for (let i = 0; i < args.clerks; i++) {
      const id = `clerk-${String.fromCharCode(97 + i)}`
      const port = await freePort()
      children.push(
        start(process.execPath, ['dist/services/clerk/main.js'], {
          PORT: String(port),
          CLERK_ID: id,
          REDIS_URL: redis.url,
          SESSION_SECRET: 'bench-session-secret-of-at-least-32-chars',
          LOG_LEVEL: 'warn',
        }),
      )
      clerks.push({ id, port })
    }
    for (const c of clerks) await waitUp(`http://127.0.0.1:${c.port}/readyz`, `${c.id}`)
    const load = chooseGenerator(args.generator, tmp)
    process.stderr.write(`bench:proxy, load generator: ${load.name}\n`)
    const clerkList = clerks.map((c) => `${c.id}=http://127.0.0.1:${c.port}`).join(',')
    const targets: { key: string; name: string; run: () => Promise<Measurement | undefined> }[] = []
    if (wanted('direct')) {
      targets.push({ key: 'direct', name: 'direct (one clerk)', run: () => measure('direct (one clerk)', `http://127.0.0.1:${clerks[0]!.port}`, undefined, args, load) })
    }
    for (const workers of [1, 2]) {
      for (const engine of ['undici', 'http-proxy']) {
        const key = `${engine}-${workers}`
        if (!wanted(key)) continue
        const name = `proxy ${engine}, ${workers} worker${workers > 1 ? 's' : ''}`
        targets.push({ key, name, run: () => measureProxy(name, engine, workers, clerkList, args, load) })
      }
    }
    if (wanted('haproxy')) {
      const binary = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p))
      if (binary === undefined) process.stderr.write('  haproxy: not installed (apt-get install haproxy); ratios left out\n')
      else targets.push({ key: 'haproxy', name: 'haproxy', run: () => measureHaproxy(binary, clerks, tmp, args, load) })
    }
    const best = new Map<string, Measurement>()
    for (let round = 0; round < args.rounds; round++) {
      // alternate the order so no target always runs in the same slot of a noisy minute
      const order = round % 2 === 0 ? targets : [...targets].reverse()
      for (const target of order) {
        const m = await target.run()
        if (m === undefined) continue
        const before = best.get(target.key)
        if (before === undefined || m.requestsPerSec > before.requestsPerSec) best.set(target.key, m)
      }
    }
    const measurements = targets.map((t) => best.get(t.key)).filter((m): m is Measurement => m !== undefined)

    process.stdout.write(`${renderTable(summarize(measurements), args, load.name)}\n`)
    process.stdout.write(`${JSON.stringify({ generator: load.name, measurements })}\n`)
  } finally {
    for (const child of children.reverse()) await stop(child)
    await redis.stop()
    rmSync(tmp, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  await main()
}
