import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main, measureCarriedState, type CarriedStateRow } from '../../../../loadtest/lessons/carried-state.js'
import { WireCustomer } from '../../../../loadtest/lessons/wire-customer.js'
import { startRealCluster, waitForHealth, type RealCluster } from '../../proxy/real-cluster.js'

// Bytes per dialogue, counted on the socket: first against a known exchange (a raw server that
// records what it got and answers a fixed answer), then per mode against real clerks and the
// real proxy, cookies on and off.

describe('the wire customer counts every byte of a known exchange', () => {
  let server: Server
  let port: number
  let got = ''
  const ANSWER = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nset-cookie: sid=abc; Path=/\r\ncontent-length: 11\r\n\r\n{"ok":true}'

  beforeAll(async () => {
    server = createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        got += chunk.toString('latin1')
        if (got.endsWith('}')) socket.write(ANSWER)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as { port: number }).port
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('sent = the request as the server read it, received = the answer as written', async () => {
    const customer = new WireCustomer(`http://127.0.0.1:${port}`, { cookies: true, keepAlive: true })
    const answer = await customer.post('/stateful/ask', { product: 'laptop' })
    await customer.close()
    expect(answer).toMatchObject({ status: 200, json: { ok: true } })
    expect(got).toContain('{"product":"laptop"}')
    expect(customer.bytes()).toEqual({ sent: Buffer.byteLength(got, 'latin1'), received: Buffer.byteLength(ANSWER) })
  })
})

describe('the carried state per mode, in front of real clerks', () => {
  let cluster: RealCluster

  beforeAll(async () => {
    cluster = await startRealCluster(2, { PROXY_HEALTH_INTERVAL_MS: '500', PROXY_HEALTH_TIMEOUT_MS: '2000', PROXY_HEALTH_FALL: '5' })
    for (const clerk of cluster.clerks) await waitForHealth(cluster.base, clerk.id, true)
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it('stateless sends more than stateful: the whole context rides with every step, not a session id', async () => {
    const stateful = await measureCarriedState(cluster.base, 'stateful', true, 3)
    const stateless = await measureCarriedState(cluster.base, 'stateless', true, 3)
    expect([stateful.completed, stateless.completed]).toEqual([3, 3])
    expect(stateless.sentPerDialogue).toBeGreaterThan(stateful.sentPerDialogue)
  })

  it('cookies off: stateful and shared fail at the second step saying no_session, stateless carries on', async () => {
    const rows = await Promise.all((['stateful', 'shared', 'stateless'] as const).map((mode) => measureCarriedState(cluster.base, mode, false, 2)))
    expect(rows.map((r) => r.completed)).toEqual([0, 0, 2])
    expect(rows[0]!.failure).toBe('buy 409 context_lost (no_session)')
    expect(rows[1]!.failure).toBe('buy 409 context_lost (no_session)')
  })

  it('--out writes every row (each mode, cookies on and off) to a file in a folder it makes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carried-state-'))
    try {
      const file = join(dir, 'workshop', 'rows.json')
      expect(await main(['--target', cluster.base, '--dialogues', '1', '--out', file])).toBe(0)
      const rows = JSON.parse(readFileSync(file, 'utf8')) as CarriedStateRow[]
      expect(rows.map((r) => `${r.mode} ${r.cookies ? 'on' : 'off'} ${r.completed}`).sort()).toEqual([
        'shared off 0',
        'shared on 1',
        'stateful off 0',
        'stateful on 1',
        'stateless off 1',
        'stateless on 1',
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
