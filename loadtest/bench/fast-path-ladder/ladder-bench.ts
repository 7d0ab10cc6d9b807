import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRedisServer } from '../../../services/common/redis-server.js'
import { freePort } from '../../../services/common/free-port.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { startBenchClerks, startBenchHaproxy, startBenchProxy, startProcess, stopAll, stopProcess, type BenchTarget } from '../bench-processes.js'
import { chooseGenerator, measureSlice } from '../load-generators.js'
import { CpuSplit } from '../cpu-split.js'

/**
 * The ladder's one harness: every rung (a–e), the proxy's net and undici engines (one worker,
 * every feature on) and HAProxy, against the same two bench clerks, measured in alternating 5-s
 * slices of wrk (50 connections, POST /stateless/ask), the order reversed every other slice. For
 * each: requests per second and the user and system CPU µs per request of its process, as ratios
 * to HAProxy's in the same run, with the load average before and after.
 *
 *   npm run bench:ladder
 *   env: LADDER_SLICES (4), LADDER_ONLY (comma-separated keys), LADDER_OUT (a file to append the run's JSON line to)
 */

const SLICE_SECONDS = 5
const CONNECTIONS = 50
const here = new URL('.', import.meta.url).pathname

/** the rungs: key, file, extra environment */
const RUNGS: [string, string, Record<string, string>][] = [
  ['a-pipe', 'a-pipe.js', {}],
  ['b-parsed', 'b-pipe-parsed.js', {}],
  ['c-balanced', 'c-balanced.js', {}],
  ['d-rewrites', 'd-rewrites.js', {}],
  ['d-scratch', 'd-rewrites.js', { LADDER_SCRATCH: '1' }],
  ['e-features', 'e-features.js', {}],
  ['e-per-try', 'e-features.js', { LADDER_TIMER: 'per-try' }],
]

async function startRung(key: string, file: string, env: Record<string, string>, clerkAddrs: string[]): Promise<BenchTarget> {
  const port = await freePort()
  const child = startProcess(process.execPath, [join(here, file), String(port), ...clerkAddrs], env)
  const url = `http://127.0.0.1:${port}`
  await waitFor(
    () =>
      ask(url)
        .then((r) => r.status === 200)
        .catch(() => false),
    { what: `rung ${key}`, timeoutMs: 20_000 },
  )
  return { key, name: key, url, pid: child.pid, close: () => stopProcess(child) }
}

function ask(url: string): Promise<{ status: number; cookie: string | null; body: string }> {
  return fetch(`${url}/stateless/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"product":"laptop"}' }).then(async (r) => ({
    status: r.status,
    cookie: r.headers.get('set-cookie'),
    body: (await r.text()).slice(0, 60),
  }))
}

const only = process.env.LADDER_ONLY?.split(',')
const wanted = (key: string) => only === undefined || only.includes(key)
const slices = Number(process.env.LADDER_SLICES ?? 4)
const loadBefore = readFileSync('/proc/loadavg', 'utf8').trim()
const redis = await startRedisServer({ appendOnly: false })
const tmp = mkdtempSync(join(tmpdir(), 'ladder-'))
const clerks = await startBenchClerks(['clerk-a', 'clerk-b'], redis.url)
const targets: BenchTarget[] = []
try {
  const clerkAddrs = clerks.map((c) => `127.0.0.1:${c.port}`)
  const clerkList = clerks.map((c) => `${c.id}=${c.url}`).join(',')
  for (const [key, file, env] of RUNGS) if (wanted(key)) targets.push(await startRung(key, file, env, clerkAddrs))
  if (wanted('net-1')) targets.push(await startBenchProxy('net-1', 'net-1', 'net', 1, clerkList))
  if (wanted('undici-1')) targets.push(await startBenchProxy('undici-1', 'undici-1', 'undici', 1, clerkList))
  if (wanted('fast-1')) targets.push(await startBenchProxy('fast-1', 'fast-1', 'fast', 1, clerkList))
  targets.push(await startBenchHaproxy('/usr/sbin/haproxy', clerks, tmp))
  for (const t of targets) {
    const r = await ask(t.url)
    process.stdout.write(`check ${t.key.padEnd(11)} ${r.status} cookie=${r.cookie ?? '-'} ${r.body}\n`)
  }
  const load = chooseGenerator('wrk', tmp)
  for (const t of targets) await load.run(t.url, 1, CONNECTIONS) // warm up: JIT, pools
  const split = new CpuSplit(clerks.map((c) => c.child.pid as number))
  const sums = new Map(targets.map((t) => [t.key, { requests: 0, errors: 0, non2xx: 0 }]))
  for (let i = 0; i < slices; i++) {
    for (const t of i % 2 === 0 ? targets : [...targets].reverse()) {
      const mark = split.before(t)
      const slice = await measureSlice(t, SLICE_SECONDS, CONNECTIONS, load)
      split.after(t, mark, slice.requests)
      const s = sums.get(t.key) as { requests: number; errors: number; non2xx: number }
      s.requests += slice.requests
      s.errors += slice.errors
      s.non2xx += slice.non2xx
    }
  }
  const loadAfter = readFileSync('/proc/loadavg', 'utf8').trim()
  const rows = split.rows()
  const hap = rows.find((r) => r.key === 'haproxy')
  const hapRequests = sums.get('haproxy')?.requests ?? 0
  const hapCpu = (hap?.userMicros ?? 0) + (hap?.systemMicros ?? 0)
  const out = rows.map((r) => {
    const s = sums.get(r.key) as { requests: number; errors: number; non2xx: number }
    const user = r.userMicros ?? 0
    const system = r.systemMicros ?? 0
    return {
      key: r.key,
      rps: s.requests / (slices * SLICE_SECONDS),
      xRps: s.requests / hapRequests,
      xCpu: (user + system) / hapCpu,
      user,
      system,
      errors: s.errors,
      non2xx: s.non2xx,
    }
  })
  process.stdout.write(`load before ${loadBefore}\n`)
  process.stdout.write('target       req/s  ×HAP req/s  ×HAP CPU  user µs  sys µs  errors non2xx\n')
  for (const o of out) {
    process.stdout.write(
      `${o.key.padEnd(11)} ${o.rps.toFixed(0).padStart(6)} ${o.xRps.toFixed(2).padStart(10)} ${o.xCpu.toFixed(2).padStart(9)} ${o.user.toFixed(1).padStart(8)} ${o.system.toFixed(1).padStart(7)} ${String(o.errors).padStart(7)} ${String(o.non2xx).padStart(6)}\n`,
    )
  }
  process.stdout.write(`load after ${loadAfter}\n`)
  if (process.env.LADDER_OUT !== undefined)
    appendFileSync(process.env.LADDER_OUT, JSON.stringify({ at: new Date().toISOString(), node: process.version, loadBefore, loadAfter, slices, rows: out }) + '\n')
} finally {
  for (const t of targets) await t.close()
  await stopAll(clerks.map((c) => c.child))
  await redis.stop()
}
