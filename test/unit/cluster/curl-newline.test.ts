import { describe, expect, it } from 'vitest'
import { buildProxy } from '../../../proxy/build-proxy.js'
import { buildOptions, parseClerks } from '../../../proxy/options.js'
import { buildChaosApi } from '../../../services/cluster/chaos-api.js'
import { goodFake } from '../../integration/proxy/fake-upstreams.js'

// Issue 14: what curl prints ends in a newline, so the shell's prompt starts on its own line.
describe('answers a person reads with curl', () => {
  it('end in a newline from the launcher, answers and errors alike', async () => {
    const cluster = {
      status: () => ({ processes: [], redis: { state: 'running' as const, url: 'redis://127.0.0.1:1', managed: true, pid: 1 } }),
      clerkAction: async () => ({ ok: true as const, verb: 'kill', target: 'clerk-a', detail: 'done' }),
      redisAction: async () => ({ ok: true as const, verb: 'stop', target: 'redis', detail: 'done' }),
      clearLedger: async () => ({ ok: true as const, orders: 0 }),
    }
    const app = buildChaosApi({ cluster, adminToken: 'the-admin-token', logLevel: 'silent' })
    try {
      const ok = await app.inject({ method: 'GET', url: '/_cluster/status' })
      const refused = await app.inject({ method: 'POST', url: '/_cluster/clerks/clerk-a/kill' })
      expect([ok.statusCode, refused.statusCode]).toEqual([200, 401])
      for (const res of [ok, refused]) {
        expect(res.body.endsWith('}\n')).toBe(true)
        expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body))
      }
    } finally {
      await app.close()
    }
  })

  it('end in a newline from the proxy: its status, its admin answers and its errors', async () => {
    const clerk = await goodFake('clerk-a')
    const proxy = buildProxy(buildOptions({ port: 0, clerks: parseClerks(`clerk-a=${clerk.url}`), adminToken: 'a-test-token', healthIntervalMs: 60_000 }))
    const base = `http://127.0.0.1:${await proxy.listen()}`
    try {
      const answers = [
        await fetch(`${base}/_lb/status`),
        await fetch(`${base}/_lb/policy`, {
          method: 'PUT',
          headers: { authorization: 'Bearer a-test-token', 'content-type': 'application/json' },
          body: '{"route":"stateful","policy":"sticky"}',
        }),
        await fetch(`${base}/_lb/nothing-here`),
      ]
      expect(answers.map((a) => a.status)).toEqual([200, 200, 404])
      for (const a of answers) expect((await a.text()).endsWith('}\n')).toBe(true)
    } finally {
      await proxy.close(500)
      await clerk.close()
    }
  })
})
