/**
 * A customer who counts every byte it puts on the wire and gets back: request and answer lines,
 * headers, bodies, cookies and tokens, as the TCP socket counts them (run/wire-bytes.ts, the
 * load test's own meter), over undici's Client (one connection, kept alive unless `keepAlive: false`, then a
 * new connection per request). Cookies are kept and sent back unless `cookies: false`, a customer
 * who refuses them.
 *
 * @example
 *   const customer = new WireCustomer('http://127.0.0.1:8080', { cookies: true, keepAlive: true })
 *   const ask = await customer.post('/stateful/ask', { product: 'laptop' })
 *   await customer.close()
 *   customer.bytes() // { sent: 231, received: 612 }
 */
import { connect as netConnect } from 'node:net'
import { Client } from 'undici'
import { WireMeter, type WireBytes } from '../run/wire-bytes.js'

export interface WireAnswer {
  readonly status: number
  readonly clerk: string | undefined
  readonly json: Record<string, unknown>
}

export class WireCustomer {
  private readonly meter = new WireMeter()
  private readonly cookieJar = new Map<string, string>()
  private client: Client | undefined

  constructor(
    private readonly base: string,
    private readonly options: { cookies: boolean; keepAlive: boolean },
  ) {}

  private connection(): Client {
    if (this.client !== undefined) return this.client
    this.client = new Client(this.base, {
      pipelining: 1,
      connect: (opts, callback) => {
        const socket = netConnect({ host: opts.hostname, port: Number(opts.port) })
        this.meter.watch(socket)
        socket.once('connect', () => callback(null, socket))
        socket.once('error', (err) => callback(err, null))
      },
    })
    return this.client
  }

  async post(path: string, body: unknown): Promise<WireAnswer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (this.options.cookies && this.cookieJar.size > 0) headers.cookie = [...this.cookieJar].map(([k, v]) => `${k}=${v}`).join('; ')
    if (!this.options.keepAlive) headers.connection = 'close'
    const client = this.connection()
    const res = await client.request({ method: 'POST', path, headers, body: JSON.stringify(body), headersTimeout: 10_000, bodyTimeout: 10_000 })
    const setCookie = res.headers['set-cookie']
    for (const line of setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const pair = line.split(';')[0] ?? ''
      const eq = pair.indexOf('=')
      if (eq > 0 && this.options.cookies) this.cookieJar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
    }
    const text = await res.body.text()
    let json: Record<string, unknown>
    try {
      json = JSON.parse(text) as Record<string, unknown>
    } catch {
      json = { text }
    }
    if (!this.options.keepAlive) await this.closeConnection()
    const clerk = res.headers['x-clerk']
    return { status: res.statusCode, clerk: typeof clerk === 'string' ? clerk : undefined, json }
  }

  private async closeConnection(): Promise<void> {
    const client = this.client
    this.client = undefined
    await client?.close()
  }

  async close(): Promise<void> {
    await this.closeConnection()
  }

  /** bytes over every connection this customer opened */
  bytes(): WireBytes {
    return this.meter.total()
  }
}
