import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdminCall } from '../../../services/common/admin-call.js'

// A real HTTP server on a free loopback port stands in for the proxy's admin API: it echoes what
// it got as JSON, or answers plain text on /text.
let server: Server
let proxyUrl: string

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      if (req.url === '/text') {
        res.writeHead(502, { 'content-type': 'text/plain' }).end('Bad Gateway')
        return
      }
      const headers: IncomingHttpHeaders = req.headers
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ method: req.method, url: req.url, authorization: headers.authorization ?? null, body }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

describe('a call to the proxy admin API', () => {
  it('sends JSON with the admin token and reads JSON back', async () => {
    const admin = createAdminCall({ proxyUrl, adminToken: 't0ken', timeoutMs: 5_000 })
    expect(admin.base).toBe(proxyUrl.slice(0, -1))
    const answer = await admin.call('PUT', '/_lb/policy', { route: 'stateful', policy: 'sticky' })
    expect(answer).toEqual({
      status: 200,
      body: { method: 'PUT', url: '/_lb/policy', authorization: 'Bearer t0ken', body: '{"route":"stateful","policy":"sticky"}' },
    })
  })

  it('sends no body and no token when it has none', async () => {
    const answer = await createAdminCall({ proxyUrl, timeoutMs: 5_000 }).call('GET', '/_lb/status')
    expect(answer.body).toMatchObject({ method: 'GET', authorization: null, body: '' })
  })

  it('keeps an answer that is not JSON as its text', async () => {
    expect(await createAdminCall({ proxyUrl, timeoutMs: 5_000 }).call('GET', '/text')).toEqual({ status: 502, body: 'Bad Gateway' })
  })
})
