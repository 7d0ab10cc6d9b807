import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildProxy } from '../../../proxy/build-proxy.js'
import type { ProxyEvent } from '../../../proxy/state/events.js'
import { buildOptions, parseClerks } from '../../../proxy/options.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { goodFake, httpFake, type Fake } from './fake-upstreams.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function proxyWith(opts: { dashboard?: string; launcherUrl?: string }) {
  const clerk: Fake = await goodFake('clerk-a')
  cleanups.push(() => clerk.close())
  const proxy = buildProxy(
    buildOptions({
      port: 0,
      clerks: parseClerks(`clerk-a=${clerk.url}`),
      adminToken: 'a-test-token',
      launcherUrl: opts.launcherUrl === undefined ? undefined : new URL(opts.launcherUrl),
      healthIntervalMs: 60_000,
    }),
    opts.dashboard === undefined ? {} : { dashboard: opts.dashboard },
  )
  const port = await proxy.listen()
  cleanups.push(() => proxy.close(500))
  return { proxy, port, base: `http://127.0.0.1:${port}` }
}

/** a GET whose path goes out exactly as written (fetch would normalise `..`) */
function rawGet(port: number, path: string) {
  return new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('serving the dashboard', () => {
  it('answers / with index.html and /dashboard/* with files of the static dir, with their content types', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>shop</title>')
    writeFileSync(join(dir, 'app.js'), 'export {}')
    writeFileSync(join(dir, 'style.css'), 'body{}')
    const { port } = await proxyWith({ dashboard: dir })
    expect(await rawGet(port, '/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html><title>shop</title>' })
    expect(await rawGet(port, '/dashboard/app.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' })
    expect(await rawGet(port, '/dashboard/style.css')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' })
    expect((await rawGet(port, '/dashboard/missing.js')).status).toBe(404)
  })

  it('serves the compiled vocabulary the page imports at /dashboard/vocabulary.js, and only by that name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'index.html'), 'x')
    const { port } = await proxyWith({ dashboard: dir })
    const vocabulary = await rawGet(port, '/dashboard/vocabulary.js')
    expect(vocabulary).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' })
    expect(vocabulary.body).toContain('export const MODES')
    expect(vocabulary.body).not.toMatch(/^import /m)
    for (const near of ['/dashboard/vocabulary.js.map', '/dashboard/./vocabulary.js/', '/dashboard/Vocabulary.js', '/dashboard/constructor']) {
      expect((await rawGet(port, near)).status).toBe(404)
    }
  })

  it.each(['/dashboard/../package.json', '/dashboard/%2e%2e/%2e%2e/package.json', '/dashboard/..%2f..%2fpackage.json', '/dashboard/%00'])(
    'never serves a file outside the static dir (%s)',
    async (path) => {
      const dir = mkdtempSync(join(tmpdir(), 'dashboard-'))
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
      writeFileSync(join(dir, 'index.html'), 'x')
      const { port } = await proxyWith({ dashboard: dir })
      const res = await rawGet(port, path)
      expect(res.status).toBe(404)
      expect(res.body).not.toContain('"name"')
    },
  )

  it('answers / with a short note when the static dir is missing', async () => {
    const { port } = await proxyWith({ dashboard: join(tmpdir(), 'no-such-dashboard-dir') })
    const res = await rawGet(port, '/')
    expect(res.status).toBe(200)
    expect(res.body).toMatch(/dashboard files are not here/)
    expect(res.body).toContain('/_lb/status')
  })
})

describe('forwarding /_cluster/* to the launcher', () => {
  it('answers 404 no launcher without PROXY_LAUNCHER_URL', async () => {
    const { base } = await proxyWith({})
    const res = await fetch(`${base}/_cluster/status`)
    expect(res.status).toBe(404)
    expect(((await res.json()) as { message: string }).message).toMatch(/no launcher/)
  })

  it('passes method, path, token and body through, and announces the chaos as an event', async () => {
    const seen: { method?: string; url?: string; auth?: string; body?: string }[] = []
    const launcher = await httpFake('launcher', (req, res, body) => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body })
      res.writeHead(202, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: true, id: 'clerk-a', state: 'paused' }))
    })
    cleanups.push(() => launcher.close())
    const { base, proxy } = await proxyWith({ launcherUrl: launcher.url })
    const events: ProxyEvent[] = []
    proxy.state.events.subscribe((e) => events.push(e))
    const res = await fetch(`${base}/_cluster/clerks/clerk-a/slow?x=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer launcher-token', 'content-type': 'application/json' },
      body: JSON.stringify({ ms: 300 }),
    })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ ok: true, id: 'clerk-a', state: 'paused' })
    expect(seen).toEqual([{ method: 'POST', url: '/_cluster/clerks/clerk-a/slow?x=1', auth: 'Bearer launcher-token', body: '{"ms":300}' }])
    expect(events).toContainEqual(expect.objectContaining({ type: 'chaos', verb: 'slow', target: 'clerk-a', by: 'launcher' }))
    expect(proxy.state.status().launcher).toBe(true)
  })
})

describe('the event stream', () => {
  it('starts with hello and lets go of a customer who disconnects', async () => {
    const { base, proxy } = await proxyWith({})
    const before = proxy.state.events.size
    const controller = new AbortController()
    const res = await fetch(`${base}/_lb/events`, { signal: controller.signal })
    const reader = res.body!.getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    expect(first).toMatch(/^event: hello\ndata: \{"type":"hello"/)
    expect(proxy.state.events.size).toBe(before + 1)
    controller.abort()
    await waitFor(() => proxy.state.events.size === before, { what: 'the stream to unsubscribe' })
  })
})
