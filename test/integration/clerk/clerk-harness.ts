import { freePort } from '../../../services/common/free-port.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'

/**
 * Real clerk processes (`node dist/services/clerk/main.js`) on free loopback ports, and a
 * customer that talks to them over real sockets, keeping its cookies like a browser would.
 */
export const TEST_SECRET = 'integration-test-secret-0123456789abcdef'
export const ADMIN_TOKEN = 'integration-admin-token'
/** CLERK_REDIS_TIMEOUT_MS of every clerk started here (see startClerk); timing checks scale with it */
export const REDIS_TIMEOUT_MS = 2000 // ms

export interface RunningClerk {
  readonly id: string
  readonly url: string
  readonly port: number
  readonly service: SpawnedService
}

export async function startClerk(
  id: string,
  env: Record<string, string> = {},
  { port, waitForShared = env.REDIS_URL !== undefined }: { port?: number; waitForShared?: boolean } = {},
): Promise<RunningClerk> {
  const chosen = port ?? (await freePort())
  const url = `http://127.0.0.1:${chosen}`
  const service = await spawnService(
    'services/clerk/main.js',
    {
      CLERK_PORT: String(chosen),
      CLERK_HOST: '127.0.0.1',
      CLERK_ID: id,
      SESSION_SECRET: TEST_SECRET,
      // other engineers' tests load this 2-core machine: a clerk starved of CPU for half a second
      // must not turn a healthy Redis into a 503 (a hung Redis still answers 503 within 2 s)
      CLERK_REDIS_TIMEOUT_MS: String(REDIS_TIMEOUT_MS),
      ...env,
    },
    // with a Redis to talk to, wait until shared mode is ready too, so no test meets a cold start
    waitForShared ? `${url}/readyz?mode=shared` : `${url}/healthz`,
  )
  return { id, url, port: chosen, service }
}

export interface Answer {
  status: number
  headers: Headers
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
}

/** One customer: a cookie jar and JSON posts. Cookies are kept by name (each mode has its own). */
export class Customer {
  readonly cookies = new Map<string, string>()

  async post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } })
  }

  async send(url: string, init: { method: string; body?: string; headers?: Record<string, string> }): Promise<Answer> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    const res = await fetch(url, {
      ...init,
      headers: { ...init.headers, ...(cookie && { cookie }) },
      signal: AbortSignal.timeout(10_000),
    })
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const cleared = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))
      if (cleared) this.cookies.delete(name)
      else this.cookies.set(name, pair.slice(eq + 1).trim())
    }
    const text = await res.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // not JSON (only /metrics)
    }
    return { status: res.status, headers: res.headers, body }
  }
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Customer().send(url, { method: 'GET', headers })
}

/** a GET with the admin token (the ledger's listing needs it; an order read with it shows all) */
export async function adminGet(url: string): Promise<Answer> {
  return getJson(url, { authorization: `Bearer ${ADMIN_TOKEN}` })
}

/** Runs ask → buy → pay against `urls[i]` for each step; stateless carries the context token. */
export async function dialogue(
  mode: string,
  urls: [string, string, string],
  customer = new Customer(),
  { product = 'laptop', quantity = 2, method = 'card' } = {},
): Promise<[Answer, Answer, Answer]> {
  const asked = await customer.post(`${urls[0]}/${mode}/ask`, { product })
  const carry = (a: Answer) => (mode === 'stateless' && typeof a.body?.context === 'string' ? { context: a.body.context } : {})
  const bought = await customer.post(`${urls[1]}/${mode}/buy`, { ...carry(asked), quantity })
  const paid = await customer.post(`${urls[2]}/${mode}/pay`, { ...carry(bought), method })
  return [asked, bought, paid]
}
