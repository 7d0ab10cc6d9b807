import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stateFilePath } from '../../../services/cluster/state-file.js'
import { freePortRange } from '../../../services/common/free-port.js'
import { projectRoot } from '../../../services/common/project-root.js'
import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'

// `npm start` against an external Redis that needs a password (REDIS_URL=redis://:<password>@…),
// observed from outside through the proxy port: the password never appears in an answer, the
// banner or any line a process prints; the status shows pids and ports only with the token; and
// the launcher checks the token before it reads a body (issue 10, items 4 and 9).
const PASSWORD = `s3cret-${process.pid}-pw`
const adminToken = 'launcher-security-token'
let redis: RedisServer
let launcher: SpawnedService
let proxyUrl: string

async function call(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const res = await fetch(proxyUrl + path, { ...init, signal: AbortSignal.timeout(10_000) })
  const text = await res.text()
  return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown> }
}

const auth = { authorization: `Bearer ${adminToken}` }

beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: false, password: PASSWORD })
  const proxyPort = await freePortRange(3)
  proxyUrl = `http://127.0.0.1:${proxyPort}`
  launcher = await spawnService(
    'services/cluster/main.js',
    { PROXY_PORT: String(proxyPort), CLERK_COUNT: '2', ADMIN_TOKEN: adminToken, REDIS_URL: redis.url, LOG_LEVEL: 'warn' },
    undefined,
  )
  await waitFor(() => existsSync(stateFilePath(proxyPort)) || launcher.exited(), {
    what: 'npm start to write its state file',
    timeoutMs: 60_000,
    intervalMs: 100,
  })
  if (launcher.exited()) throw new Error(`the launcher exited:\n${launcher.output()}`)
}, 90_000)

afterAll(async () => {
  if (launcher && !launcher.exited()) await launcher.signal('SIGTERM')
  await redis?.stop()
}, 30_000)

describe('npm start with a password in REDIS_URL', () => {
  it('really uses that Redis (a shared dialogue pays)', async () => {
    const headers = { 'content-type': 'application/json' }
    const asked = await fetch(`${proxyUrl}/shared/ask`, { method: 'POST', headers, body: '{"product":"mouse"}' })
    expect(asked.status).toBe(200)
    expect(redis.url).toContain(PASSWORD) // the test's own URL does carry it
  })

  it('shows states only without the token: no pid, no port, no URL', async () => {
    const open = await call('/_cluster/status')
    expect(open.status).toBe(200)
    expect(open.text).not.toContain(PASSWORD)
    expect(open.body.redis).toEqual({ state: 'running', managed: false })
    for (const p of open.body.processes as Array<Record<string, unknown>>) {
      expect(Object.keys(p).sort()).toEqual(['id', 'kind', 'restarts', 'slowMs', 'state'])
    }
  })

  it('shows pids, ports and the URL with its password redacted to the token holder', async () => {
    const full = await call('/_cluster/status', { headers: auth })
    expect(full.status).toBe(200)
    expect(full.text).not.toContain(PASSWORD)
    expect(full.body.redis).toMatchObject({ state: 'running', managed: false, url: `redis://:***@127.0.0.1:${redis.port}` })
    expect((full.body.processes as Array<{ pid: unknown }>).every((p) => typeof p.pid === 'number')).toBe(true)
    expect((await call('/_cluster/status', { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401)
  })

  it('does not put the password in the sentence refusing to stop an external Redis', async () => {
    const refused = await call('/_cluster/redis/stop', { method: 'POST', headers: auth })
    expect(refused.status).toBe(409)
    expect(refused.body).toMatchObject({ error: 'redis_not_managed' })
    expect(refused.text).toContain('redis://:***@')
    expect(refused.text).not.toContain(PASSWORD)
  })

  it('checks the token before reading the body: no token and malformed JSON is 401', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: `Bearer ${adminToken}!` }, { authorization: 'Bearer x' }]
    for (const headers of attempts) {
      const res = await call('/_cluster/clerks/clerk-a/slow', {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{"ms":',
      })
      expect(res.status).toBe(401)
      expect(res.body).toMatchObject({ error: 'unauthorized', code: 'CLUSTER_ERR_UNAUTHORIZED' })
    }
  })

  it('answers a body declared in another charset than UTF-8 with 415, and slows nobody', async () => {
    const res = await call('/_cluster/clerks/clerk-a/slow', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json; charset=utf-16' },
      body: '{"ms":500}',
    })
    expect(res.status).toBe(415)
    expect(res.body).toMatchObject({ error: 'unsupported_media_type' })
    const clerkA = ((await call('/_cluster/status', { headers: auth })).body.processes as Array<{ id: string; slowMs: number }>).find((p) => p.id === 'clerk-a')
    expect(clerkA?.slowMs).toBe(0)
  })

  it('prints no password: not in the banner, not when the clerks lose Redis and find it again', async () => {
    await waitFor(() => launcher.output().includes('Stop: Ctrl-C'), { what: 'the banner' })
    expect(launcher.output()).toContain(`redis://:***@127.0.0.1:${redis.port} (REDIS_URL)`)
    await redis.kill()
    await waitFor(() => /redis unavailable at/.test(launcher.output()), { what: 'a clerk to say Redis is unavailable', timeoutMs: 20_000 })
    await redis.start()
    await waitFor(() => /redis is back at/.test(launcher.output()), { what: 'a clerk to say Redis is back', timeoutMs: 20_000 })
    const out = launcher.output()
    expect(out).toContain('redis unavailable at redis://:***@')
    expect(out).not.toContain(PASSWORD)
  })

  it('does not print the password of a REDIS_URL it refuses', async () => {
    const output = await new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        ['dist/services/cluster/main.js'],
        { cwd: projectRoot(import.meta.url), env: { ...process.env, PROXY_PORT: '1', REDIS_URL: `http://admin:${PASSWORD}@127.0.0.1:1` }, timeout: 30_000 },
        (_err, stdout, stderr) => resolve(stdout + stderr),
      )
    })
    expect(output).toContain('REDIS_URL must use redis: or rediss:')
    expect(output).toContain('http://admin:***@127.0.0.1:1')
    expect(output).not.toContain(PASSWORD)
  })
})
