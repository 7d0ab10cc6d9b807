/**
 * A customer playing the whole dialogue over real HTTP, the way curl would: its cookie jar carries
 * the session cookies (stateful, shared, the proxy's sticky one) and each step's body, the
 * stateless context token included, comes from loadtest/run/customer.ts, the one place that knows
 * what a customer says at each step. Used by the npm start and compose tests.
 */
import { createCookieJar } from '../../../loadtest/run/cookie-jar.js'
import { DEFAULT_ORDER, stepRequest, type CustomerState } from '../../../loadtest/run/customer.js'
import type { Mode } from '../../../services/common/vocabulary.js'

export type { Mode }

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
  private readonly jar = createCookieJar()
  constructor(private readonly baseUrl: string) {}

  async post(path: string, body: unknown, timeoutMs = 10_000, extraHeaders: Record<string, string> = {}): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders }
    const cookie = this.jar.header()
    if (cookie) headers.cookie = cookie
    const res = await fetch(this.baseUrl + path, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    })
    this.jar.take(res.headers.getSetCookie())
    const text = await res.text()
    let parsed: Record<string, unknown>
    try {
      parsed = JSON.parse(text) as Record<string, unknown>
    } catch {
      parsed = { text }
    }
    return { status: res.status, clerk: res.headers.get('x-clerk'), body: parsed }
  }

  async play(mode: Mode, quantity = 2): Promise<DialogueResult> {
    const wish = { ...DEFAULT_ORDER, quantity }
    const state: CustomerState = { jar: this.jar, token: undefined }
    const say = async (step: 'ask' | 'buy' | 'pay') => {
      const { path, body } = stepRequest(mode, step, state, wish)
      const answer = await this.post(path, body)
      if (typeof answer.body.context === 'string') state.token = answer.body.context
      return answer
    }
    const ask = await say('ask')
    const buy = await say('buy')
    const pay = await say('pay')
    return { ask, buy, pay }
  }
}
