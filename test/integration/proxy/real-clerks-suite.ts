import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EngineName } from '../../../proxy/options.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { ADMIN_TOKEN, Customer, admin, lbStatus, sharedDialogue, startRealCluster, statelessDialogue, waitForHealth, type RealCluster } from './real-cluster.js'

/**
 * The proxy as a real process in front of three real clerk processes and a real redis-server,
 * for one engine. The tests run in order and share the cluster; a test that kills a clerk starts
 * it again before it ends.
 */
export function realClerkSuite(engine: EngineName): void {
  describe(`the proxy (${engine}) in front of real clerks`, () => {
    let cluster: RealCluster
    let base: string

    beforeAll(async () => {
      cluster = await startRealCluster(3, { PROXY_ENGINE: engine, PROXY_HEALTH_TIMEOUT_MS: '500' })
      base = cluster.base
    })
    afterAll(async () => {
      await cluster?.stop()
    })

    it('spreads stateless requests round-robin over the three clerks', async () => {
      const c = new Customer(base)
      const clerks: (string | null)[] = []
      for (let i = 0; i < 6; i++) clerks.push((await c.post('/stateless/ask', { product: 'laptop' })).clerk)
      expect(new Set(clerks)).toEqual(new Set(['clerk-a', 'clerk-b', 'clerk-c']))
      expect(clerks.slice(0, 3)).toEqual(clerks.slice(3))
    })

    it('keeps a stateful customer with one clerk through the whole dialogue (sticky cookie)', async () => {
      const c = new Customer(base)
      const ask = await c.post('/stateful/ask', { product: 'laptop' })
      expect(ask.status).toBe(200)
      const setCookie = ask.headers.getSetCookie().find((s) => s.startsWith('lb_clerk='))
      expect(setCookie).toMatch(/^lb_clerk=[A-Za-z0-9_-]+; Path=\/stateful; HttpOnly; SameSite=Lax$/)
      expect(setCookie).not.toContain('clerk-')
      const buy = await c.post('/stateful/buy', { quantity: 2 })
      const pay = await c.post('/stateful/pay', { method: 'card' })
      expect([buy.status, pay.status]).toEqual([200, 200])
      expect(new Set([ask.clerk, buy.clerk, pay.clerk]).size).toBe(1)
      expect(pay.json.say).toBe('Payment of 2,000,000 won completed.')
      // the cookie is only set when a clerk is assigned
      expect(buy.headers.getSetCookie().some((s) => s.startsWith('lb_clerk='))).toBe(false)
    })

    it('breaks a stateful dialogue when the route is switched to round-robin at run time', async () => {
      const put = await admin(base, 'PUT', '/_lb/policy', { route: 'stateful', policy: 'round-robin' })
      expect(put.status).toBe(200)
      expect(put.json.stateful).toBe('round-robin')
      try {
        const c = new Customer(base)
        const ask = await c.post('/stateful/ask', { product: 'laptop' })
        const buy = await c.post('/stateful/buy', { quantity: 2 })
        expect(ask.clerk).not.toBe(buy.clerk)
        expect(buy.status).toBe(409)
        expect(buy.json).toMatchObject({ error: 'context_lost', say: '2 of what? What would you like to buy?' })
      } finally {
        await admin(base, 'PUT', '/_lb/policy', { route: 'stateful', policy: 'sticky' })
      }
    })

    it('balances by least connections when asked to', async () => {
      await admin(base, 'PUT', '/_lb/policy', { route: 'stateless', policy: 'least-connections' })
      try {
        expect((await lbStatus(base)).policies.stateless).toBe('least-connections')
        const answers = await Promise.all(Array.from({ length: 12 }, () => new Customer(base).post('/stateless/ask', { product: 'mouse' })))
        expect(answers.every((a) => a.status === 200)).toBe(true)
        expect(new Set(answers.map((a) => a.clerk)).size).toBeGreaterThan(1)
      } finally {
        await admin(base, 'PUT', '/_lb/policy', { route: 'stateless', policy: 'round-robin' })
      }
    })

    it('gives a drained clerk no new sessions while its sticky customers finish there', async () => {
      // a customer pinned to clerk-a before the drain
      let pinnedToA: Customer | undefined
      for (let i = 0; i < 6 && !pinnedToA; i++) {
        const c = new Customer(base)
        if ((await c.post('/stateful/ask', { product: 'laptop' })).clerk === 'clerk-a') pinnedToA = c
      }
      expect(pinnedToA).toBeDefined()
      expect((await admin(base, 'POST', '/_lb/clerks/clerk-a/drain')).json).toEqual({ clerk: 'clerk-a', drained: true })
      try {
        const fresh = await Promise.all(Array.from({ length: 6 }, () => new Customer(base).post('/stateful/ask', { product: 'laptop' })))
        expect(fresh.map((f) => f.clerk)).not.toContain('clerk-a')
        const buy = await pinnedToA!.post('/stateful/buy', { quantity: 1 })
        expect(buy.status).toBe(200)
        expect(buy.clerk).toBe('clerk-a')
        const status = await lbStatus(base)
        expect(status.clerks.find((c) => c.id === 'clerk-a')).toMatchObject({ drained: true, healthy: true })
      } finally {
        await admin(base, 'POST', '/_lb/clerks/clerk-a/undrain')
      }
    })

    it('streams events: hello first, then policy changes and stats', async () => {
      const controller = new AbortController()
      const res = await fetch(`${base}/_lb/events`, { signal: controller.signal })
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
      const reader = res.body!.getReader()
      const decoder = new TextDecoder()
      let text = ''
      const types: string[] = []
      const readUntil = async (type: string) => {
        await waitFor(
          async () => {
            const { value, done } = await reader.read()
            if (done) throw new Error('stream ended')
            text += decoder.decode(value, { stream: true })
            let end: number
            while ((end = text.indexOf('\n\n')) !== -1) {
              const frame = text.slice(0, end)
              text = text.slice(end + 2)
              const m = /^event: (\w+)$/m.exec(frame)
              if (m) types.push(m[1]!)
            }
            return types.includes(type)
          },
          { what: `a ${type} event`, timeoutMs: 10_000, intervalMs: 0 },
        )
      }
      try {
        await readUntil('hello')
        expect(types[0]).toBe('hello')
        await admin(base, 'PUT', '/_lb/policy', { route: 'shared', policy: 'least-connections' })
        await admin(base, 'PUT', '/_lb/policy', { route: 'shared', policy: 'round-robin' })
        await readUntil('policy')
        await readUntil('stats')
      } finally {
        controller.abort()
      }
    })

    it('serves Prometheus metrics and the dashboard', async () => {
      const metrics = await (await fetch(`${base}/metrics`)).text()
      expect(metrics).toMatch(/proxy_requests_total\{clerk="clerk-a",status="200"\} \d+/)
      expect(metrics).toContain('proxy_clerk_healthy{clerk="clerk-b"} 1')
      expect(metrics).toContain('proxy_request_duration_seconds_bucket')
      const page = await fetch(`${base}/`)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      await page.arrayBuffer()
    })

    it('redispatches a sticky customer whose clerk was killed, and that clerk says "2 of what?"', async () => {
      const c = new Customer(base)
      const ask = await c.post('/stateful/ask', { product: 'laptop' })
      const pinned = cluster.clerks.find((k) => k.id === ask.clerk)!
      const cookieBefore = c.cookies.get('lb_clerk')
      await pinned.service.signal('SIGKILL')
      const buy = await c.post('/stateful/buy', { quantity: 2 })
      expect(buy.status).toBe(409)
      expect(buy.headers.get('x-redispatched')).toBe('1')
      expect(buy.clerk).not.toBe(pinned.id)
      expect(buy.json).toMatchObject({ error: 'context_lost', say: '2 of what? What would you like to buy?' })
      expect(c.cookies.get('lb_clerk')).not.toBe(cookieBefore)
      // the customer starts again with the new clerk and stays there
      const again = await c.post('/stateful/ask', { product: 'laptop' })
      expect(again.clerk).toBe(buy.clerk)
      const status = await lbStatus(base)
      expect(status.clerks.find((k) => k.id === pinned.id)!.redispatches).toBeGreaterThan(0)
      await cluster.restartClerk(pinned.id)
      await waitForHealth(base, pinned.id, true)
    })

    it('completes a few hundred stateless and shared dialogues while a clerk is SIGKILLed mid-loop', async () => {
      const total = 100 // dialogues per lane, three requests each
      let killed = false
      const failures: unknown[] = []
      const lane = async (name: string, dialogue: typeof statelessDialogue) => {
        for (let i = 0; i < total; i++) {
          if (name === 'stateless' && i === Math.floor(total / 3) && !killed) {
            killed = true
            void cluster.clerks.find((k) => k.id === 'clerk-c')!.service.signal('SIGKILL')
          }
          const outcome = await dialogue(base, `${engine}-${name}-${i}-${Date.now()}`)
          if (!outcome.ok) failures.push(outcome)
        }
      }
      await Promise.all([lane('stateless', statelessDialogue), lane('shared', sharedDialogue)])
      expect(failures).toEqual([])
      expect(killed).toBe(true)
      await waitForHealth(base, 'clerk-c', false)
      await cluster.restartClerk('clerk-c')
      await waitForHealth(base, 'clerk-c', true)
    })

    it('completes every dialogue while a clerk is stopped with SIGTERM mid-loop', async () => {
      const a = cluster.clerks.find((k) => k.id === 'clerk-a')!
      const failures: unknown[] = []
      let exit: Promise<number | null> | undefined
      for (let i = 0; i < 60; i++) {
        if (i === 20) exit = a.service.signal('SIGTERM')
        const outcome = await (i % 2 === 0 ? statelessDialogue : sharedDialogue)(base, `${engine}-term-${i}-${Date.now()}`)
        if (!outcome.ok) failures.push(outcome)
      }
      expect(failures).toEqual([])
      expect(await exit).toBe(0)
      await cluster.restartClerk('clerk-a')
      await waitForHealth(base, 'clerk-a', true)
    })

    it('fails no POST without an Idempotency-Key while a clerk is stopped with SIGTERM under concurrent load', async () => {
      // 16 customers, 1200 requests in all; the SIGTERM lands after the first 300. The clerk turns
      // requests away (503 + close, retried elsewhere) until they stop coming, and only then closes
      // its kept-alive connections: closing them at once reset requests already on their way.
      const a = cluster.clerks.find((k) => k.id === 'clerk-a')!
      const statuses = new Map<number, number>()
      let sent = 0
      let exit: Promise<number | null> | undefined
      const customer = async () => {
        while (sent < 1200) {
          if (++sent === 300) exit = a.service.signal('SIGTERM')
          const res = await fetch(`${base}/stateless/ask`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"product":"laptop"}',
            signal: AbortSignal.timeout(10_000),
          })
          await res.arrayBuffer()
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        }
      }
      await Promise.all(Array.from({ length: 16 }, customer))
      expect(Object.fromEntries(statuses)).toEqual({ 200: sent })
      expect(await exit).toBe(0)
      await cluster.restartClerk('clerk-a')
      await waitForHealth(base, 'clerk-a', true)
    })

    it('ejects a clerk that hangs (SIGSTOP) after a bounded number of failures, and uses it again after SIGCONT', async () => {
      const b = cluster.clerks.find((k) => k.id === 'clerk-b')!
      await b.service.signal('SIGSTOP')
      let failed = 0
      try {
        await waitFor(
          async () => {
            const r = await new Customer(base).post('/stateless/ask', { product: 'laptop' })
            if (r.status !== 200) {
              failed++
              expect(r.status).toBe(504)
              expect(r.json).toMatchObject({ error: 'gateway_timeout' })
            }
            return (await lbStatus(base)).clerks.find((k) => k.id === 'clerk-b')?.healthy === false
          },
          { what: 'clerk-b to be ejected', timeoutMs: 15_000 },
        )
        expect(failed).toBeLessThanOrEqual(3)
        // ejected: the others take everything
        for (let i = 0; i < 6; i++) {
          const r = await new Customer(base).post('/stateless/ask', { product: 'laptop' })
          expect(r.status).toBe(200)
          expect(r.clerk).not.toBe('clerk-b')
        }
      } finally {
        await b.service.signal('SIGCONT')
      }
      await waitForHealth(base, 'clerk-b', true)
      await waitFor(async () => (await new Customer(base).post('/stateless/ask', { product: 'laptop' })).clerk === 'clerk-b', {
        what: 'clerk-b to answer again',
      })
    })

    it('finishes an in-flight request on SIGTERM and exits 0', async () => {
      const slow = await admin(base, 'POST', '/_lb/clerks/clerk-a/slow', { ms: 600 })
      expect(slow.status).toBe(200)
      // the next stateless ask that reaches clerk-a waits 600 ms there
      const inFlight = Promise.all(Array.from({ length: 3 }, () => new Customer(base).post('/stateless/ask', { product: 'laptop' })))
      await waitFor(async () => (await lbStatus(base)).clerks.some((k) => k.inFlight > 0), { what: 'a request in flight' })
      const exit = cluster.proxy.signal('SIGTERM')
      const answers = await inFlight
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200])
      expect(await exit).toBe(0)
      void ADMIN_TOKEN
    })
  })
}
