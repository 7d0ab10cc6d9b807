import { afterAll, describe, expect, it } from 'vitest'
import { freePort } from '../../../services/common/free-port.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'
import { goodFake, hangingFake, readyThenGarbageFake, resetMidResponseFake, type Fake } from './fake-upstreams.js'

// Issue 10, finding 9: the 502/503/504 bodies the proxy writes when a clerk fails said what
// happened with the engine's internal code in brackets ("(UND_ERR_SOCKET)", "(ECONNREFUSED)",
// "(HPE_INVALID_CONSTANT)"). The customer reads plain words; the code stays in the proxy's log
// (and the health event), where an operator looks for it. The real proxy process, one per fault
// and engine, each in front of one fake clerk that fails that way.

const INTERNAL_CODE = /\b(UND_ERR_\w+|HPE_\w+|ERR_\w+|E[A-Z]{4,})\b/

const stops: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const stop of stops.reverse()) await stop()
})

async function proxyInFrontOf(url: string, engine: string): Promise<{ base: string; service: SpawnedService }> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const service = await spawnService(
    'proxy/main.js',
    {
      PROXY_PORT: String(port),
      PROXY_CLERKS: `clerk-x=${url}`,
      PROXY_ENGINE: engine,
      // 3 s: only 'never answers' waits it out; a shorter deadline turned 'breaks off mid-answer' into
      // a 504 on a busy machine, when the fake's reset came after the deadline
      PROXY_UPSTREAM_TIMEOUT_MS: '3000',
      // the hanging fake never answers /readyz either: its check must not be the one to eject it first
      PROXY_HEALTH_TIMEOUT_MS: '30000',
      PROXY_HEALTH_INTERVAL_MS: '60000',
      PROXY_HEALTH_FALL: '1',
      LOG_LEVEL: 'info',
    },
    `${base}/_lb/status`,
  )
  stops.push(() => service.stop())
  return { base, service }
}

/** the proxy has read the only clerk's /readyz once (its status shows the body it read) */
async function firstCheckPassed(base: string): Promise<void> {
  await waitFor(
    async () => {
      const status = (await (await fetch(`${base}/_lb/status`)).json()) as { clerks: { info: unknown }[] }
      return (status.clerks[0]?.info ?? null) !== null
    },
    { what: "the proxy's first check of the clerk" },
  )
}

/** a fake clerk; `fail()` is called once the proxy has checked it (a clerk must pass the first check) */
interface Fault {
  url: string
  fail?: () => Promise<void>
}

async function fake(make: Promise<Fake>): Promise<Fault> {
  const f = await make
  stops.push(() => f.close())
  return { url: f.url }
}

/** a clerk that passes the proxy's first check, then goes away: the next connection is refused */
async function vanishing(): Promise<Fault> {
  const f = await goodFake('clerk-x')
  return { url: f.url, fail: () => f.close() }
}

const FAULTS: Array<[string, () => Promise<Fault>, number, RegExp, RegExp]> = [
  // what, the clerk, status, the plain sentence, the code the log keeps
  ['refuses connections', vanishing, 503, /clerk-x refused the connection/, /ECONNREFUSED/],
  ['answers something that is not HTTP', () => fake(readyThenGarbageFake()), 502, /clerk-x answered something that is not valid HTTP/, /HPE_/],
  ['breaks off mid-answer', () => fake(resetMidResponseFake()), 502, /the connection to clerk-x broke before a whole answer came back/, /ECONNRESET|UND_ERR/],
  ['never answers', () => fake(hangingFake()), 504, /clerk-x did not answer in time/, /PROXY_UPSTREAM_TIMEOUT/],
]

describe.each(['undici', 'http-proxy'])('the %s engine, when the only clerk fails', (engine) => {
  it.each(FAULTS)('%s: the body says so in plain words, the log keeps the code', async (_what, clerk, status, sentence, code) => {
    const fault = await clerk()
    const { base, service } = await proxyInFrontOf(fault.url, engine)
    if (fault.fail !== undefined) {
      // the first check must have passed before the clerk goes: one that ran after would eject it
      // (PROXY_HEALTH_FALL=1) and the pay would meet no clerk at all instead of a refused one
      await firstCheckPassed(base)
      await fault.fail()
    }
    // a POST without Idempotency-Key: no retry, the first failure is the answer
    const res = await fetch(`${base}/stateless/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"method":"card"}',
      signal: AbortSignal.timeout(10_000),
    })
    const body = (await res.json()) as Record<string, unknown>
    expect(res.status).toBe(status)
    expect(String(body.reason)).toMatch(sentence)
    expect(String(body.reason)).not.toMatch(INTERNAL_CODE)
    expect(String(body.message)).not.toMatch(INTERNAL_CODE)
    // PROXY_HEALTH_FALL=1: every one of these failures ejects the clerk, and the log line names the code
    const ejected = await waitFor(
      () =>
        service
          .output()
          .split('\n')
          .find((line) => line.includes('"msg":"clerk-x ejected"')),
      { what: 'the ejection in the log' },
    )
    expect(String((JSON.parse(ejected) as { code?: unknown }).code)).toMatch(code)
  })
})
