import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProxy } from '../../../proxy/build-proxy.js'
import { buildOptions, parseClerks } from '../../../proxy/options.js'
import { reportAddress, reportsFolder } from '../../../services/common/reports-folder.js'
import { goodFake, type Fake } from './fake-upstreams.js'

// the proxy serves load-test reports from the project's reports/ folder (git-ignored); these
// files carry the test's pid so parallel runs never share one
const name = `test-report-${process.pid}.html`
const link = `test-link-${process.pid}.html`
let port = 0
let close: () => Promise<void>

beforeAll(async () => {
  mkdirSync(reportsFolder(), { recursive: true })
  writeFileSync(join(reportsFolder(), name), '<!doctype html><title>verdict</title>')
  symlinkSync('/etc/hostname', join(reportsFolder(), link))
  const clerk: Fake = await goodFake('clerk-a')
  const proxy = buildProxy(buildOptions({ port: 0, clerks: parseClerks(`clerk-a=${clerk.url}`), adminToken: 'a-test-token', healthIntervalMs: 60_000 }))
  port = await proxy.listen()
  close = async () => {
    await proxy.close(500)
    await clerk.close()
  }
})

afterAll(async () => {
  await close()
  rmSync(join(reportsFolder(), name), { force: true })
  rmSync(join(reportsFolder(), link), { force: true })
})

/** a GET whose path goes out exactly as written (fetch would normalise `..`) */
function rawGet(path: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('load-test reports on the dashboard', () => {
  it('serves a report of the reports folder at the address the load test links, locked down', async () => {
    const address = reportAddress(join(reportsFolder(), name))
    expect(address).toBe(`/dashboard/reports/${name}`)
    const res = await rawGet(address as string)
    expect(res.status).toBe(200)
    expect(res.body).toContain('<title>verdict</title>')
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.headers['content-security-policy']).toContain("default-src 'none'")
  })

  it.each([
    '/dashboard/reports/../../package.json',
    '/dashboard/reports/%2e%2e%2fpackage.json',
    '/dashboard/reports/..%2f..%2fpackage.json',
    '/dashboard/reports/.hidden.html',
    '/dashboard/reports/a/b.html',
    '/dashboard/reports/x.html%00',
    '/dashboard/reports/no-such-report.html',
    `/dashboard/reports/${link}`,
  ])('never serves anything else (%s)', async (path) => {
    const res = await rawGet(path)
    expect(res.status).toBe(404)
    expect(res.body).not.toContain('"name"')
  })

  it('names no address for a report written elsewhere', () => {
    expect(reportAddress('/tmp/report.html')).toBeUndefined()
    expect(reportAddress(join(reportsFolder(), 'sub', 'report.html'))).toBeUndefined()
  })
})
