import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { goodFake, type Fake } from './fake-upstreams.js'
import { startProxyProcess, type ProxyProcess } from './proxy-process.js'
import { rawRequest } from './raw-http.js'

// Issue 10, finding 6: a page on another origin can make a visitor's browser send requests to the
// proxy with the visitor's cookies. Every route whose method may change something refuses a
// request the browser marks as coming from another origin (Sec-Fetch-Site, or Origin when the
// browser sends no Sec-Fetch-Site) with 403 cross_site_request; the dashboard's own requests and
// clients that send neither header (curl, the load test) go on as before. The real proxy process,
// the headers a browser sends, written by hand. test/browser/cross-site-form.test.ts does it with
// a real browser and a real auto-submitting form.

let clerk: Fake
let proxy: ProxyProcess
let host: string

beforeAll(async () => {
  clerk = await goodFake('clerk-a')
  proxy = await startProxyProcess({ 'clerk-a': clerk.url }, { ADMIN_TOKEN: 'cross-site-test-token' })
  host = `127.0.0.1:${proxy.port}`
})
afterAll(async () => {
  await proxy?.service.stop()
  await clerk?.close()
})

/** every route a browser could be made to send with a method that may change something */
const CHANGING: Array<[string, string]> = [
  ['POST', '/_lb/new-customer'],
  ['POST', '/_lb/new-customer?mode=stateful'],
  ['PUT', '/_lb/policy'],
  ['POST', '/_lb/clerks/clerk-a/drain'],
  ['POST', '/_lb/clerks/clerk-a/undrain'],
  ['POST', '/_lb/clerks/clerk-a/crash'],
  ['POST', '/_lb/clerks/clerk-a/slow'],
  ['POST', '/_lb/loadtest'],
  ['POST', '/_cluster/clerks/clerk-a/kill'],
  ['POST', '/_cluster/redis/stop'],
  ['POST', '/stateful/ask'],
  ['POST', '/stateless/pay'],
  ['POST', '/shared/buy'],
  ['DELETE', '/orders/o-1'],
  ['PATCH', '/orders/o-1'],
]

function send(method: string, path: string, headers: string[]) {
  const body = '{}'
  return rawRequest(
    proxy.port,
    [`${method} ${path} HTTP/1.1`, `Host: ${host}`, 'Content-Type: text/plain', `Content-Length: ${body.length}`, 'Connection: close', ...headers].join('\r\n') + '\r\n\r\n' + body,
  )
}

const FOREIGN: Array<[string, () => string[]]> = [
  ['Sec-Fetch-Site: cross-site (another site)', () => ['Sec-Fetch-Site: cross-site', 'Origin: http://evil.example']],
  ['Sec-Fetch-Site: same-site (another port of this host)', () => ['Sec-Fetch-Site: same-site', `Origin: http://127.0.0.1:${proxy.port + 1}`]],
  ['Origin of another port, no Sec-Fetch-Site (an older browser)', () => [`Origin: http://127.0.0.1:${proxy.port + 1}`]],
  ['Origin of another host', () => ['Origin: http://localhost:' + proxy.port]],
  ['Origin: null (a sandboxed frame, a data: page)', () => ['Origin: null']],
]

const OWN: Array<[string, () => string[]]> = [
  ['the dashboard (Sec-Fetch-Site: same-origin)', () => ['Sec-Fetch-Site: same-origin', `Origin: http://${host}`]],
  ['a same-origin Origin, no Sec-Fetch-Site', () => [`Origin: http://${host}`]],
  ['curl or the load test (neither header)', () => []],
]

describe.each(CHANGING)('%s %s', (method, path) => {
  it.each(FOREIGN)('refuses a request from %s with 403 cross_site_request', async (_what, headers) => {
    const answer = await send(method, path, headers())
    expect(answer.status).toBe(403)
    expect(answer.json).toMatchObject({ error: 'cross_site_request', code: 'PROXY_ERR_CROSS_SITE', statusCode: 403 })
    expect(answer.headers['set-cookie']).toBeUndefined()
  })

  it.each(OWN)('lets %s through', async (_what, headers) => {
    expect((await send(method, path, headers())).status).not.toBe(403)
  })
})

describe('what a page of another origin may still do', () => {
  it.each([
    ['GET', '/_lb/status'],
    ['GET', '/orders/o-1'],
    ['HEAD', '/'],
  ])('%s %s: read-only methods change nothing, so they are not refused', async (method, path) => {
    const answer = await rawRequest(proxy.port, `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nSec-Fetch-Site: cross-site\r\nConnection: close\r\n\r\n`)
    expect(answer.status).toBe(200)
  })

  it.each(['/stateless/ask', '/_lb/policy', '/_lb/new-customer'])(
    'gets no CORS permission from a preflight to %s, so no script of its can send JSON or an admin header',
    async (path) => {
      const answer = await rawRequest(
        proxy.port,
        `OPTIONS ${path} HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://evil.example\r\nAccess-Control-Request-Method: PUT\r\nAccess-Control-Request-Headers: content-type, authorization\r\nSec-Fetch-Site: cross-site\r\nConnection: close\r\n\r\n`,
      )
      expect(Object.keys(answer.headers).filter((h) => h.startsWith('access-control-'))).toEqual([])
    },
  )

  it('no clerk ever saw a refused request', () => {
    expect(clerk.seen.filter((s) => s.startsWith('POST /stateful') || s.startsWith('DELETE') || s.startsWith('PATCH')).length).toBe(3 * OWN.length)
  })
})
