/**
 * The load generators of `npm run bench:proxy`, behind one interface: wrk when it is on PATH (a C
 * program: it leaves the 2 cores to the proxies instead of taking most of one, as autocannon, a
 * Node process, does), else autocannon. Both send the same request and give the same LoadResult;
 * `measureSlice` reads the CPU a target's processes spent around one run.
 *
 * @example
 *   const load = chooseGenerator(options.generator, tmpDir)
 *   const slice = await measureSlice(target, 5, 50, load)   // { requestsPerSec, p50Ms, …, cpuSeconds }
 */
import { spawn } from 'node:child_process'
import { accessSync, constants, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import autocannon from 'autocannon'
import { readTreeCpuSeconds } from '../analyze/proc-cpu.js'
import { badOption } from '../errors.js'
import type { LoadGeneratorName } from '../args/bench-proxy-arguments.js'
import type { BenchTarget } from './bench-processes.js'
import type { Slice } from './summaries.js'

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
    `  io.write(string.format('${WRK_MARK}{"requests":%d,"durationUs":%d,"p50Us":%.0f,"p99Us":%.0f,` + `"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',`,
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
              reject(e instanceof Error ? e : new Error(String(e)))
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
export function chooseGenerator(wanted: LoadGeneratorName | undefined, tmp: string): LoadGenerator {
  if (wanted === 'autocannon') return autocannonGenerator
  const wrk = findOnPath('wrk')
  if (wrk === undefined) {
    if (wanted === 'wrk') throw badOption('--generator wrk: wrk is not on PATH (npm run setup -- --with bench installs it)')
    process.stderr.write('  wrk is not on PATH (npm run setup -- --with bench installs it): using autocannon, which shares the cores with the proxy\n')
    return autocannonGenerator
  }
  const scriptFile = join(tmp, 'bench-proxy.lua')
  writeFileSync(scriptFile, wrkScript())
  return wrkGenerator(wrk, scriptFile)
}

/** one slice of one target: what the load generator saw and the CPU its processes spent */
export async function measureSlice(target: BenchTarget, seconds: number, connections: number, load: LoadGenerator): Promise<Slice> {
  const before = target.pid === undefined ? 0 : readTreeCpuSeconds(target.pid)
  const result = await load.run(target.url, seconds, connections)
  const after = target.pid === undefined ? 0 : readTreeCpuSeconds(target.pid)
  return { ...result, cpuSeconds: target.pid === undefined ? undefined : after - before }
}
