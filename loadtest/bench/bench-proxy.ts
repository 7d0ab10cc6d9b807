import '../../services/common/supported-node.js'
import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import autocannon from 'autocannon'
import { freePort } from '../../services/common/free-port.js'
import { startRedisServer } from '../../services/common/redis-server.js'
import { readTreeCpuSeconds } from '../proc-cpu.js'
import { startBenchClerks, startProcess, stopAll, stopProcess, waitUp } from './bench-processes.js'

/**
 * `npm run bench:proxy`: in ONE run, with the same real clerks and a real redis-server, drives the
 * same stateless request (POST /stateless/ask) directly at a clerk, through this proxy (each engine,
 * PROXY_WORKERS 1 and 2, full feature set: policies, health checks, metrics, an open event stream)
 * and through HAProxy (nbthread 1, roundrobin, same clerks), and prints requests/s, p50/p99 and the
 * CPU seconds each proxy process spent per request, with ratios to HAProxy.
 *
 * The load generator is wrk when it is on PATH (a C program: it leaves the 2 cores to the proxies
 * instead of taking most of one, as autocannon, a Node process, does), else autocannon. Every
 * target of one run gets the same generator, connections, duration and request, and the targets
 * take turns in slices (5 s of each target's 10 s; all of them started up front, each slice
 * starting one target later), so a noisy minute on this shared machine falls on every target
 * alike instead of on whichever ran then. Shorter slices open more connections (wrk connects at
 * the start of every run), which costs a node:cluster proxy most: its primary hands every
 * accepted connection to a worker.
 *
 *   npm run bench:proxy -- --duration 10 --slice 5 --connections 50 --only undici-1,haproxy
 */
export type LoadGeneratorName = 'wrk' | 'autocannon'

export interface BenchArguments {
  durationSeconds: number
  connections: number
  clerks: number
  only: string[] | undefined
  warmupSeconds: number
  /** each target's duration is measured in slices of this many seconds, the targets taking turns */
  sliceSeconds: number
  /** undefined: wrk when it is on PATH, else autocannon */
  generator: LoadGeneratorName | undefined
}

export function parseArguments(argv: string[]): BenchArguments {
  const args: BenchArguments = { durationSeconds: 10, connections: 50, clerks: 2, only: undefined, warmupSeconds: 1, sliceSeconds: 5, generator: undefined }
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
    else if (flag === '--slice') args.sliceSeconds = int('--slice')
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
      throw new Error('usage: bench-proxy [--duration S] [--connections N] [--clerks N] [--warmup S] [--slice S] [--generator wrk|autocannon] [--only direct,undici-1,undici-2,http-proxy-1,http-proxy-2,haproxy]')
    } else throw new Error(`unknown argument "${flag}"`)
  }
  return args
}

export interface Measurement extends LoadResult {
  name: string
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
    `POST /stateless/ask with ${generator}, ${args.connections} connections, ${args.durationSeconds} s each in ${args.sliceSeconds}-s slices taking turns, ${args.clerks} clerks, same machine`,
    fmt(header),
    fmt(widths.map((w) => '-'.repeat(w))),
    ...lines.map(fmt),
  ].join('\n')
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

/** One slice of one target: what the load generator saw and the CPU its processes spent. */
export interface Slice extends LoadResult {
  cpuSeconds: number | undefined
}

/**
 * pure: a target's slices → its measurement. Throughput is all requests over all slices' time;
 * p50/p99 are the slices' percentiles weighted by their requests (an approximation: the
 * generators report percentiles, not every latency).
 */
export function combineSlices(name: string, slices: readonly Slice[]): Measurement {
  let requests = 0
  let seconds = 0
  let p50 = 0
  let p99 = 0
  let errors = 0
  let non2xx = 0
  let cpu: number | undefined
  for (const s of slices) {
    requests += s.requests
    if (s.requestsPerSec > 0) seconds += s.requests / s.requestsPerSec
    p50 += s.p50Ms * s.requests
    p99 += s.p99Ms * s.requests
    errors += s.errors
    non2xx += s.non2xx
    if (s.cpuSeconds !== undefined) cpu = (cpu ?? 0) + s.cpuSeconds
  }
  return {
    name,
    requestsPerSec: seconds > 0 ? requests / seconds : 0,
    p50Ms: requests > 0 ? p50 / requests : 0,
    p99Ms: requests > 0 ? p99 / requests : 0,
    errors,
    non2xx,
    requests,
    cpuSeconds: cpu,
  }
}

/** pure: the order of the targets in slice `i`: each slice starts one target later */
export function sliceOrder<T>(targets: readonly T[], i: number): T[] {
  const k = targets.length === 0 ? 0 : i % targets.length
  return [...targets.slice(k), ...targets.slice(0, k)]
}

/** A target, started and answering: where to send the load, whose CPU to count, how to stop it. */
interface OpenTarget {
  key: string
  name: string
  url: string
  /** the process whose tree's CPU is counted (undefined: direct, nothing in between) */
  pid: number | undefined
  close(): Promise<void>
}

async function measureSlice(target: OpenTarget, seconds: number, args: BenchArguments, load: LoadGenerator): Promise<Slice> {
  const before = target.pid === undefined ? 0 : readTreeCpuSeconds(target.pid)
  const result = await load.run(target.url, seconds, args.connections)
  const after = target.pid === undefined ? 0 : readTreeCpuSeconds(target.pid)
  return { ...result, cpuSeconds: target.pid === undefined ? undefined : after - before }
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

async function openProxy(key: string, name: string, engine: string, workers: number, clerkList: string): Promise<OpenTarget> {
  const port = await freePort()
  const proxy = startProcess(process.execPath, ['dist/proxy/main.js'], {
    PROXY_PORT: String(port),
    PROXY_CLERKS: clerkList,
    PROXY_ENGINE: engine,
    PROXY_WORKERS: String(workers),
    ADMIN_TOKEN: 'bench-admin-token',
    LOG_LEVEL: 'warn',
  })
  const base = `http://127.0.0.1:${port}`
  try {
    await waitUp(`${base}/_lb/status`, `proxy ${name}`)
  } catch (err) {
    await stopProcess(proxy)
    throw err
  }
  // the full feature set: a dashboard listening to the event stream, metrics scraped every second
  const events = new AbortController()
  void fetch(`${base}/_lb/events`, { signal: events.signal })
    .then(async (res) => {
      for await (const chunk of res.body ?? []) void chunk
    })
    .catch(() => {})
  const scrape = setInterval(() => void fetch(`${base}/metrics`).then((r) => r.text()).catch(() => {}), 1_000)
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

async function openHaproxy(binary: string, clerks: { id: string; port: number }[], tmp: string): Promise<OpenTarget> {
  const port = await freePort()
  const cfg = join(tmp, 'haproxy.cfg')
  writeFileSync(cfg, haproxyConfig(port, clerks))
  const haproxy = startProcess(binary, ['-f', cfg, '-db', '-q'], {})
  try {
    await waitUp(`http://127.0.0.1:${port}/readyz`, 'haproxy')
  } catch (err) {
    await stopProcess(haproxy)
    throw err
  }
  return { key: 'haproxy', name: 'haproxy', url: `http://127.0.0.1:${port}`, pid: haproxy.pid, close: () => stopProcess(haproxy) }
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
  const redis = await startRedisServer({ appendOnly: false })
  const tmp = mkdtempSync(join(tmpdir(), 'bench-proxy-'))
  const opened: OpenTarget[] = []
  let clerkChildren: ChildProcess[] = []
  try {
    const ids = Array.from({ length: args.clerks }, (_, i) => `clerk-${String.fromCharCode(97 + i)}`)
    const clerks = await startBenchClerks(ids, redis.url)
    clerkChildren = clerks.map((c) => c.child)
    const load = chooseGenerator(args.generator, tmp)
    process.stderr.write(`bench:proxy, load generator: ${load.name}\n`)
    const clerkList = clerks.map((c) => `${c.id}=${c.url}`).join(',')
    // every target is started up front and idles (health checks, scrapes) while the others run
    if (wanted('direct')) {
      opened.push({ key: 'direct', name: 'direct (one clerk)', url: clerks[0]!.url, pid: undefined, close: async () => {} })
    }
    for (const workers of [1, 2]) {
      for (const engine of ['undici', 'http-proxy']) {
        const key = `${engine}-${workers}`
        if (wanted(key)) opened.push(await openProxy(key, `proxy ${engine}, ${workers} worker${workers > 1 ? 's' : ''}`, engine, workers, clerkList))
      }
    }
    if (wanted('haproxy')) {
      const binary = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p))
      if (binary === undefined) process.stderr.write('  haproxy: not installed (apt-get install haproxy); ratios left out\n')
      else opened.push(await openHaproxy(binary, clerks, tmp))
    }
    const warmup = Math.max(1, Math.round(args.warmupSeconds))
    if (args.warmupSeconds > 0) for (const t of opened) await load.run(t.url, warmup, args.connections)
    const slices = new Map<string, Slice[]>(opened.map((t) => [t.key, []]))
    const sliceCount = Math.max(1, Math.round(args.durationSeconds / args.sliceSeconds))
    for (let i = 0; i < sliceCount; i++) {
      for (const target of sliceOrder(opened, i)) slices.get(target.key)!.push(await measureSlice(target, args.sliceSeconds, args, load))
      process.stderr.write(`  slice ${i + 1}/${sliceCount}\n`)
    }
    const measurements = opened.map((t) => combineSlices(t.name, slices.get(t.key)!))
    process.stdout.write(`${renderTable(summarize(measurements), args, load.name)}\n`)
    process.stdout.write(`${JSON.stringify({ generator: load.name, measurements })}\n`)
  } finally {
    for (const t of opened.reverse()) await t.close()
    await stopAll(clerkChildren)
    await redis.stop()
    rmSync(tmp, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  await main()
}
