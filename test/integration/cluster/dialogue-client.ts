/**
 * A customer playing the whole dialogue over real HTTP, the way curl would: a cookie jar for
 * stateful and shared, the context token carried by hand for stateless. Used by the npm start
 * and compose tests.
 */
export type Mode = 'stateful' | 'stateless' | 'shared'

export interface Answer {
  status: number
  clerk: string | null
  body: Record<string, unknown>
}

export interface DialogueResult {
  ask: Answer
  buy: Answer
  pay: Answer
}

export class Customer {
  private readonly cookies = new Map<string, string>()
  constructor(private readonly baseUrl: string) {}

  async post(path: string, body: unknown, timeoutMs = 10_000): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const res = await fetch(this.baseUrl + path, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    })
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair?.indexOf('=') ?? -1
      if (pair && eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
    }
    const text = await res.text()
    let parsed: Record<string, unknown> = {}
    try {
      parsed = JSON.parse(text) as Record<string, unknown>
    } catch {
      parsed = { text }
    }
    return { status: res.status, clerk: res.headers.get('x-clerk'), body: parsed }
  }

  async play(mode: Mode, quantity = 2): Promise<DialogueResult> {
    const ask = await this.post(`/${mode}/ask`, { product: 'laptop' })
    const withContext = (body: Record<string, unknown>, from: Answer) =>
      mode === 'stateless' ? { context: from.body.context, ...body } : body
    const buy = await this.post(`/${mode}/buy`, withContext({ quantity }, ask))
    const pay = await this.post(`/${mode}/pay`, withContext({ method: 'card' }, buy))
    return { ask, buy, pay }
  }
}
