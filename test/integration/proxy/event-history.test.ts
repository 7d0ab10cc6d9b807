import { afterAll, describe, expect, it } from 'vitest'
import { waitFor } from '../../../services/common/wait-for.js'
import { httpFake, type Fake } from './fake-upstreams.js'
import { startProxyProcess, type ProxyProcess } from './proxy-process.js'
import { openRaw, type RawConnection } from './raw-http.js'

// Issue 14: a page that connects late (a reload, a latecomer in the room) saw empty charts and an
// empty log. The proxy keeps the last minutes of events and replays them after the `hello`; and it
// counts each mode's dialogue outcomes, context_lost read from the clerk's 409, in the `stats`
// event and in /metrics. The real proxy process, a fake clerk that forgets every dialogue.

const TOKEN = 'history-test-token-0123'
const fakes: Fake[] = []
const proxies: ProxyProcess[] = []
const open: RawConnection[] = []

afterAll(async () => {
  for (const c of open) c.destroy()
  for (const p of proxies) await p.service.stop()
  for (const f of fakes) await f.close()
})

/** a clerk that answers every buy with "2 of what?" and everything else with 200 */
async function forgetfulClerk(): Promise<Fake> {
  const fake = await httpFake('clerk-a', (req, res) => {
    const lost = req.url?.endsWith('/buy')
    res.writeHead(lost ? 409 : 200, { 'content-type': 'application/json', 'x-clerk': 'clerk-a' })
    res.end(JSON.stringify(lost ? { error: 'context_lost', clerk: 'clerk-a', message: '2 of what?' } : { clerk: 'clerk-a', status: 'ready' }))
  })
  fakes.push(fake)
  return fake
}

async function stream(port: number): Promise<RawConnection> {
  const c = await openRaw(port)
  open.push(c)
  c.write('GET /_lb/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n')
  return c
}

/** the `data:` of every event in the stream so far, in order */
function eventsIn(c: RawConnection): Array<Record<string, unknown>> {
  return [...c.received().matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>)
}

describe.each([
  ['one process', {}],
  ['PROXY_WORKERS=2', { PROXY_WORKERS: '2' }],
])('the event history and the outcome counts (%s)', (_name, env) => {
  it('replays the last minutes after the hello, marked replayed, and counts context_lost per mode', async () => {
    const clerk = await forgetfulClerk()
    const proxy = await startProxyProcess({ 'clerk-a': clerk.url }, { ADMIN_TOKEN: TOKEN, ...env })
    proxies.push(proxy)
    const put = await fetch(`${proxy.base}/_lb/policy`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ route: 'stateful', policy: 'round-robin' }),
    })
    expect(put.status).toBe(200)
    for (const step of ['ask', 'buy', 'buy']) {
      const res = await fetch(`${proxy.base}/stateful/${step}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      await res.arrayBuffer()
    }
    const early = await stream(proxy.port)
    // the outcome is counted: a stats event (live or replayed) says 2 context_lost in some second
    await waitFor(() => eventsIn(early).some((e) => e.type === 'stats' && (e.modes as { stateful: { context_lost: number } }).stateful.context_lost > 0), {
      what: 'a stats event with the stateful context_lost rate',
    })
    // a page that connects now gets the hello, then the policy change it missed
    const late = await stream(proxy.port)
    await waitFor(() => eventsIn(late).some((e) => e.type === 'policy'), { what: 'the replayed policy event' })
    const events = eventsIn(late)
    expect(events[0]!.type).toBe('hello')
    expect(events.find((e) => e.type === 'policy')).toMatchObject({ route: 'stateful', policy: 'round-robin', replayed: true })
    const metrics = await (await fetch(`${proxy.base}/metrics`)).text()
    expect(metrics).toMatch(/proxy_dialogue_outcomes_total\{mode="stateful",outcome="context_lost"\} 2/)
  })
})
