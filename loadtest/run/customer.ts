/**
 * One virtual customer's side of the laptop-shop dialogue, with no I/O: what to send at each step
 * (ask → buy → pay), how to judge each answer, and what is remembered of a dialogue (its
 * DialogueRecord). The load test knows the dialogue only through HTTP, so everything here is about
 * status codes, JSON bodies and headers from docs/contract.md.
 *
 * @example
 *   const state = newCustomerState()
 *   const req = stepRequest('stateless', 'buy', state, DEFAULT_ORDER)
 *   // { path: '/stateless/buy', body: { context: '…', quantity: 2 } }
 *   const verdict = judgeAnswer('buy', { status: 409, body: '{"error":"context_lost"}', headers: {} })
 *   // { end: 'context_lost', reason: 'context_lost', ... }
 */
import { ACCESSORIES } from '../../services/clerk/catalog.js'
import type { Mode, Step } from '../../services/common/vocabulary.js'
import { createCookieJar, type CookieJar } from './cookie-jar.js'

/**
 * How a dialogue ended. `no_session`: a customer who refuses cookies met a clerk that keeps the
 * dialogue in a server session and found nothing to find it by (409 context_lost, reason
 * no_session, at buy). `unfinished`: the run ended (or was stopped) before its last answer.
 */
export const OUTCOMES = ['completed', 'context_lost', 'no_session', 'failed', 'unfinished'] as const
export type Outcome = (typeof OUTCOMES)[number]

/** a count of zero per outcome, to count dialogues into */
export function emptyOutcomeCounts(): Record<Outcome, number> {
  return { completed: 0, context_lost: 0, no_session: 0, failed: 0, unfinished: 0 }
}

/**
 * What the load test remembers of one dialogue: enough to count outcomes, draw the timeline,
 * find who served whom, and reconcile the ledger afterwards. Times are wall-clock milliseconds
 * (Date.now()), the same clock the chaos events are stamped with.
 */
export interface DialogueRecord {
  /** 1, 2, 3 … in the order dialogues started */
  id: number
  mode: Mode
  /** the Idempotency-Key sent on pay: `<run key prefix>-<id>` */
  idempotencyKey: string
  startedAt: number
  endedAt: number | undefined
  outcome: Outcome | undefined
  /** the step whose answer ended the dialogue (pay when completed) */
  step: Step | undefined
  /** HTTP status of that answer, 0 when none came */
  status: number | undefined
  /** error code of that answer, `http_<status>`, `timeout`, `ECONNRESET`, `connection_closed`… */
  reason: string | undefined
  /** the clerk that answered each step (X-Clerk), when one did */
  clerks: Partial<Record<Step, string>>
  /** ms from sending each step to its full answer */
  latencyMs: Partial<Record<Step, number>>
  /** an answer carried X-Redispatched: the sticky clerk was gone */
  redispatched: boolean
  /**
   * pay was answered from a receipt (`receipt: true`): the clerk holding the dialogue died after
   * charging and before answering, and the retried pay found the order in the ledger on another
   * clerk. The dialogue was lost with its clerk; the ledger saved the customer's payment.
   */
  receipt: boolean
  /** the order the customer was told about (pay answered 200) */
  orderId: string | undefined
  total: number | undefined
  /**
   * bytes on the wire for this dialogue's requests and answers (headers, bodies, cookies, tokens;
   * run/wire-bytes.ts); undefined where not measured. Exact with pipelining 1; pipelined, an
   * answer's bytes may include the next request already written.
   */
  wire?: { sent: number; received: number } | undefined
}

export interface OrderWish {
  product: string
  quantity: number
  method: 'card' | 'cash'
  /** products in the cart, the asked one included (`--items N`; default 1: the classic dialogue) */
  items?: number
}

/** the cart's other lines for a cart of `items` products: one each of the first accessories */
export function cartLines(items: number): { product: string; quantity: number }[] {
  return ACCESSORIES.slice(0, Math.max(0, items - 1)).map((p) => ({ product: p.id, quantity: 1 }))
}

/** "How much is this laptop?" / "I'll buy 2." / "Credit card." */
export const DEFAULT_ORDER: Readonly<OrderWish> = Object.freeze({ product: 'laptop', quantity: 2, method: 'card' })

/**
 * stateless only: `token` sends the opaque context token of the previous answer (falls back to
 * fields when an answer had none); `fields` always states product, quantity and method, so a step
 * does not depend on the previous answer (the only way HTTP pipelining can carry a dialogue).
 */
export type StatelessCarry = 'token' | 'fields'

export interface CustomerState {
  jar: CookieJar
  /** stateless context token from the previous answer */
  token: string | undefined
}

export function newCustomerState(): CustomerState {
  return { jar: createCookieJar(), token: undefined }
}

/** a dialogue's record as it starts: nothing answered yet (one shape for HTTP and MCP customers) */
export function newDialogueRecord(id: number, mode: Mode, idempotencyKey: string, startedAt: number): DialogueRecord {
  return {
    id,
    mode,
    idempotencyKey,
    startedAt,
    endedAt: undefined,
    outcome: undefined,
    step: undefined,
    status: undefined,
    reason: undefined,
    clerks: {},
    latencyMs: {},
    redispatched: false,
    receipt: false,
    orderId: undefined,
    total: undefined,
  }
}

export interface StepRequest {
  path: string
  body: Record<string, unknown>
}

export function stepRequest(mode: Mode, step: Step, state: CustomerState, wish: OrderWish = DEFAULT_ORDER, carry: StatelessCarry = 'token'): StepRequest {
  const path = `/${mode}/${step}`
  if (step === 'ask') return { path, body: { product: wish.product } }
  const useToken = mode === 'stateless' && carry === 'token' && state.token !== undefined
  // the cart is said once, at buy; after that only a stateless customer carries it (in the token)
  const cart = (wish.items ?? 1) > 1 ? { items: cartLines(wish.items ?? 1) } : {}
  if (step === 'buy') {
    if (useToken) return { path, body: { context: state.token, quantity: wish.quantity, ...cart } }
    if (mode === 'stateless') return { path, body: { product: wish.product, quantity: wish.quantity, ...cart } }
    return { path, body: { quantity: wish.quantity, ...cart } }
  }
  if (useToken) return { path, body: { context: state.token, method: wish.method } }
  if (mode === 'stateless') {
    return { path, body: { product: wish.product, quantity: wish.quantity, ...cart, method: wish.method } }
  }
  return { path, body: { method: wish.method } }
}

export type Headers = Record<string, string | string[] | undefined>

export interface Answer {
  /** HTTP status; 0 when no answer came (timeout, reset) */
  status: number
  body: string
  headers: Headers
}

export interface Verdict {
  /** undefined: the dialogue goes on to the next step */
  end: Outcome | undefined
  /** the error code of the answer (`context_lost`, `bad_gateway`, …) or `http_<status>` */
  reason: string | undefined
  /** X-Clerk of the answer (or `clerk` of its body) */
  clerk: string | undefined
  /** the proxy sent it to another clerk than the sticky one (X-Redispatched) */
  redispatched: boolean
  /** order id and total when a pay was confirmed */
  orderId: string | undefined
  total: number | undefined
  /** the pay was answered from a receipt (DialogueRecord.receipt) */
  receipt: boolean
  /** stateless context token carried by the answer */
  token: string | undefined
  setCookie: string | string[] | undefined
}

/** Header lookup that ignores case: autocannon hands raw header names over as they came. */
export function headerOf(headers: Headers, name: string): string | string[] | undefined {
  const wanted = name.toLowerCase()
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === wanted) return headers[key]
  }
  return undefined
}

function firstOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/**
 * Judges one answer of one step. 200 goes on (or completes, after pay with an order); 409
 * `context_lost` is the clerk that forgot; everything else ends the dialogue as `failed`: 5xx from
 * a clerk or the proxy, a 4xx the customer did not deserve (a bug worth seeing), no answer at all.
 */
export function judgeAnswer(step: Step, answer: Answer, noAnswerReason = 'no_answer'): Verdict {
  const json = parseJson(answer.body)
  const clerkHeader = firstOf(headerOf(answer.headers, 'x-clerk'))
  const verdict: Verdict = {
    end: undefined,
    reason: undefined,
    clerk: clerkHeader ?? (typeof json?.clerk === 'string' ? json.clerk : undefined),
    redispatched: firstOf(headerOf(answer.headers, 'x-redispatched')) !== undefined,
    orderId: undefined,
    total: undefined,
    receipt: false,
    token: typeof json?.context === 'string' ? json.context : undefined,
    setCookie: headerOf(answer.headers, 'set-cookie'),
  }
  if (answer.status === 0) return { ...verdict, end: 'failed', reason: noAnswerReason }
  const code = typeof json?.error === 'string' ? json.error : undefined
  if (answer.status === 200 && json) {
    if (step !== 'pay') return verdict
    const order = json.order as Record<string, unknown> | undefined
    if (order && typeof order.id === 'string') {
      return {
        ...verdict,
        end: 'completed',
        orderId: order.id,
        total: typeof order.total === 'number' ? order.total : undefined,
        receipt: json.receipt === true,
      }
    }
    return { ...verdict, end: 'failed', reason: 'pay_without_order' }
  }
  if (answer.status === 409 && code === 'context_lost') {
    // no cookie came back at all: the session was never lost, the customer would not carry its id
    if (json?.reason === 'no_session') return { ...verdict, end: 'no_session', reason: 'no_session' }
    return { ...verdict, end: 'context_lost', reason: code }
  }
  return { ...verdict, end: 'failed', reason: code ?? `http_${answer.status}` }
}
