import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../../services/common/free-port.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'
import { goodFake, type Fake } from './fake-upstreams.js'
import { rawRequest } from './raw-http.js'

describe('starting the proxy with a bad environment', () => {
  it.each([
    [{}, /PROXY_CLERKS is required/],
    [{ PROXY_CLERKS: 'clerk-a:3001' }, /PROXY_CLERKS entry "clerk-a:3001" must look like id=http/],
    [{ PROXY_CLERKS: 'clerk-a=http://127.0.0.1:3001', PROXY_ENGINE: 'nginx' }, /PROXY_ENGINE must be one of/],
    [{ PROXY_CLERKS: 'clerk-a=http://127.0.0.1:3001', PROXY_HEALTH_INTERVAL_MS: 'often' }, /PROXY_HEALTH_INTERVAL_MS must be a whole number/],
  ])('exits 1 with one sentence naming the variable (%j)', async (env, message) => {
    const proxy = await spawnService('proxy/main.js', { PROXY_CLERKS: '', ...env }, undefined)
    const code = await new Promise<number | null>((resolve) => proxy.child.once('exit', resolve))
    expect(code).toBe(1)
    expect(proxy.output()).toMatch(message)
    expect(proxy.output().trim().split('\n')).toHaveLength(1)
  })
})

/** resolves with the exit code, or fails (and kills it) if the proxy is still running after `ms` */
function exitWithin(proxy: SpawnedService, ms: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void proxy.stop()
      reject(new Error(`the proxy did not exit within ${ms} ms:\n${proxy.output().slice(-2000)}`))
    }, ms)
    if (proxy.exited()) {
      clearTimeout(timer)
      resolve(proxy.child.exitCode)
      return
    }
    proxy.child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })
}

/** what the process writes on stderr (attached before it can write anything) */
function stderrOf(proxy: SpawnedService): () => string {
  let text = ''
  proxy.child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()))
  return () => text
}

describe('starting the proxy where it cannot listen', () => {
  let clerk: Fake
  let holder: Server
  let busyPort: number

  beforeAll(async () => {
    clerk = await goodFake('good')
    holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    busyPort = (holder.address() as AddressInfo).port
  })
  afterAll(async () => {
    await new Promise<void>((resolve) => holder?.close(() => resolve()))
    await clerk?.close()
  })

  it.each([
    ['a single process', {}],
    ['PROXY_WORKERS=2', { PROXY_WORKERS: '2' }],
  ])('exits 1 with one sentence naming PROXY_PORT/PROXY_HOST when the port is taken (%s)', async (_mode, extra) => {
    // info level: a primary restarting its workers would say so on stdout
    const proxy = await spawnService('proxy/main.js', { PROXY_CLERKS: `good=${clerk.url}`, PROXY_PORT: String(busyPort), LOG_LEVEL: 'info', ...extra }, undefined)
    const stderr = stderrOf(proxy)
    expect(await exitWithin(proxy, 20_000)).toBe(1)
    expect(stderr().trim().split('\n')).toEqual([`proxy: cannot listen on 127.0.0.1:${busyPort} (PROXY_PORT/PROXY_HOST): address already in use`])
    expect(proxy.output()).not.toMatch(/starting another|EADDRINUSE|\n\s+at /)
  })

  it.each([
    ['not-a-host.invalid', {}],
    ['999.0.0.1', {}],
    ['not-a-host.invalid', { PROXY_WORKERS: '2' }],
  ])('exits 1 with one sentence when PROXY_HOST %s does not resolve (%j)', async (host, extra) => {
    const port = await freePort()
    const proxy = await spawnService('proxy/main.js', { PROXY_CLERKS: `good=${clerk.url}`, PROXY_HOST: host, PROXY_PORT: String(port), ...extra }, undefined)
    const stderr = stderrOf(proxy)
    expect(await exitWithin(proxy, 20_000)).toBe(1)
    expect(stderr().trim().split('\n')).toEqual([`proxy: cannot listen on ${host}:${port} (PROXY_HOST): PROXY_HOST "${host}" does not resolve`])
  })
})

/** longer than the proxy's stats interval (1 s): a broadcast is due when a stopped primary resumes */
const STATS_TIMER_DUE_MS = 1_500 // 1.5 s

/** a process's state letter from /proc (`Z`: dead, not yet reaped by its parent), or undefined when gone */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
  } catch {
    return undefined
  }
}

describe('a cluster worker that dies after it listened', () => {
  /** the primary's children: its workers */
  const workersOf = (pid: number): number[] => {
    try {
      return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map(Number)
    } catch {
      return [] // pgrep exits 1 when there is none
    }
  }

  /**
   * Runs `body` against a proxy of two workers (both listening: one killed while still starting
   * would stop the proxy instead, by design, as it would fail the same way again) in front of one
   * good clerk; `workers` are the two pids. Everything is stopped after.
   */
  async function withTwoWorkers(body: (proxy: SpawnedService, base: string, workers: number[]) => Promise<void>): Promise<void> {
    const clerk = await goodFake('good')
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const proxy = await spawnService('proxy/main.js', { PROXY_CLERKS: `good=${clerk.url}`, PROXY_PORT: String(port), PROXY_WORKERS: '2', LOG_LEVEL: 'info' }, `${base}/_lb/status`)
    try {
      await waitFor(() => /2 workers \(.*\) listening on/.test(proxy.output()), { what: 'both workers listening' })
      await body(proxy, base, await waitFor(() => (workersOf(proxy.pid).length === 2 ? workersOf(proxy.pid) : undefined), { what: 'two workers' }))
    } finally {
      await proxy.stop()
      await clerk.close()
    }
  }

  /** two workers again, `victim` not among them, and the proxy answering */
  async function expectReplaced(proxy: SpawnedService, base: string, victim: number): Promise<void> {
    await waitFor(
      () => {
        const now = workersOf(proxy.pid)
        return now.length === 2 && !now.includes(victim)
      },
      { what: 'a new worker instead of the killed one' },
    )
    // on a new connection: one the test process still keeps alive may have been the killed worker's,
    // and a request written on it before its close is read fails with it (seen once in CI)
    const answer = await rawRequest(
      Number(new URL(base).port),
      'POST /stateless/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
    )
    expect(answer.status).toBe(200)
    expect(proxy.exited(), proxy.output()).toBe(false)
  }

  it('is replaced, as before, and the proxy keeps serving', async () => {
    await withTwoWorkers(async (proxy, base, [victim]) => {
      process.kill(victim as number, 'SIGKILL')
      await expectReplaced(proxy, base, victim as number)
      await waitFor(() => /starting another/.test(proxy.output()), { what: 'the primary to say it replaced the worker' })
    })
  })

  // A dead worker can still look connected to the primary until the primary reads the end of its
  // IPC channel: a message sent in that window fails with EPIPE, emitted as 'error' on the Worker.
  // Unhandled, it crashed the primary and the whole proxy (seen once in CI as "no new worker").
  // Staged here: the primary is stopped, a worker killed, and the primary resumes with its stats
  // timer due (every 1 s), whose broadcast runs before the primary reads the channel's end.
  it('survives a message sent to a worker that died while the primary was not looking', async () => {
    await withTwoWorkers(async (proxy, base, [victim]) => {
      process.kill(proxy.pid, 'SIGSTOP')
      try {
        process.kill(victim as number, 'SIGKILL')
        await waitFor(() => processState(victim as number) === 'Z', { what: 'the killed worker to be dead (a zombie of the stopped primary)' })
        // not a wait for an event: the primary must resume with its stats timer due
        await new Promise((resolve) => setTimeout(resolve, STATS_TIMER_DUE_MS))
      } finally {
        process.kill(proxy.pid, 'SIGCONT')
      }
      await expectReplaced(proxy, base, victim as number)
    })
  })
})
