import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { STEPS, type Step } from '../common/vocabulary.js'
import type { PaymentMethod } from './catalog.js'
import { ask, buy, paid, pay, type StepResult } from './dialogue.js'
import { clerkError, failureError } from './errors.js'
import { keyedDialogueId, readIdempotencyKey } from './idempotency-key.js'
import { chargeOfOrder, replayConflict } from './order-replay.js'
import { receiptId } from './receipt.js'
import type { StateCarrier } from './modes/carrier.js'
import type { ClerkRuntime, DialogueRouteConfig } from './runtime.js'

/**
 * POST /ask, /buy, /pay of one mode (the scope carries the mode's prefix). The same pure
 * dialogue in every mode; `carrier` only says where the state comes from and goes to.
 */
export function registerDialogueRoutes(scope: FastifyInstance, carrier: StateCarrier, runtime: ClerkRuntime): void {
  for (const step of STEPS) {
    const limited = carrier.serverSessions && step === 'ask' ? runtime.newSessionLimit : undefined
    const config: DialogueRouteConfig = { mode: carrier.mode, step, ...(limited && { rateLimit: limited }) }
    scope.post(`/${step}`, { config }, (request, reply) => runtime.gate.run(() => answer(step, request, reply)))
  }

  async function answer(step: Step, request: FastifyRequest, reply: FastifyReply): Promise<object> {
    const idempotencyKey = step === 'pay' ? readIdempotencyKey(request) : null
    const customerDeadlineMs = step === 'pay' ? readRequestDeadline(request) : undefined
    const loaded = await carrier.load(request, step)
    let result: StepResult
    if (step === 'ask') {
      result = ask(loaded.state, loaded.line, randomUUID())
    } else if (step === 'buy') {
      result = buy(loaded.state, loaded.line)
    } else {
      const charge = pay(loaded.state, loaded.line)
      // the receipt this pay is filed under: its key and the session cookie that carries it
      const receipt = idempotencyKey !== null && loaded.sessionCookie !== undefined ? receiptId(carrier.mode, loaded.sessionCookie, idempotencyKey) : undefined
      if (!charge.ok) {
        // no dialogue here, but maybe an order: this customer paid with this key on a clerk that
        // died before answering, and this is the retry (receipt.ts)
        if (charge.failure.code === 'CLERK_ERR_CONTEXT_LOST' && receipt !== undefined) {
          const receipted = await answerWithReceipt(receipt, loaded.line)
          if (receipted) return receipted
        }
        throw failureError(charge.failure, loaded.lostReason)
      }
      // The ledger first, the state only once the order exists: a "paid" state saved beside a
      // charge that then fails (Redis down) would refuse the customer's next buy with "already
      // complete" when nothing was charged. A save that fails after the charge is harmless: the
      // state still says "buy", and a retried pay replays the order by its dialogue id. In shared
      // mode this costs pay a second Redis round trip; that is the price of a true answer.
      // a stateless pay in explicit fields has no dialogue but its key (idempotency-key.ts)
      const asked = loaded.anonymous && idempotencyKey !== null ? { ...charge.charge, dialogueId: keyedDialogueId(idempotencyKey) } : charge.charge
      const written = await runtime.ledger.charge(asked, {
        mode: carrier.mode,
        clerk: runtime.options.clerkId,
        idempotencyKey,
        customerDeadlineMs,
        receiptId: receipt,
      })
      if (!written.replayed) runtime.metrics.orders.inc({ mode: carrier.mode })
      // worded from the stored order: on a replay, that is what was paid
      const done = paid(chargeOfOrder(written.order))
      const savedFields = await carrier.save(request, reply, done.state)
      return {
        clerk: runtime.options.clerkId,
        mode: carrier.mode,
        ...done.reply,
        order: written.order,
        replayed: written.replayed,
        ...savedFields,
      }
    }
    if (!result.ok) throw failureError(result.failure, loaded.lostReason)
    const saved = await carrier.save(request, reply, result.state)
    return {
      clerk: runtime.options.clerkId,
      mode: carrier.mode,
      ...result.reply,
      ...saved,
    }
  }

  /**
   * The order filed under `receipt`, answered as the pay's replay (`receipt: true`), or undefined
   * when there is none (another customer's key, or no order: the caller answers context_lost).
   * Nothing is saved: this clerk has no session to save into; the customer's next step is ask.
   */
  async function answerWithReceipt(receipt: string, line: unknown): Promise<object | undefined> {
    const order = await runtime.ledger.receipt(receipt)
    if (!order) return undefined
    // pay() read the line before it found no dialogue, so its method is valid; another method
    // with the same key is not a retry: already_paid, naming the order (it is this customer's)
    const { method } = line as { method: PaymentMethod }
    const conflict = replayConflict('dialogue', order, { ...chargeOfOrder(order), method })
    if (conflict) throw conflict
    runtime.metrics.receipts.inc({ mode: carrier.mode })
    return {
      clerk: runtime.options.clerkId,
      mode: carrier.mode,
      ...paid(chargeOfOrder(order)).reply,
      order,
      replayed: true,
      receipt: true,
    }
  }
}

/** X-Request-Deadline (ms since the epoch), set by the proxy for each attempt; undefined if absent */
function readRequestDeadline(request: FastifyRequest): number | undefined {
  const value = request.headers['x-request-deadline']
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) {
    throw clerkError('CLERK_ERR_INVALID_BODY', {
      message: 'The X-Request-Deadline header must be a time in milliseconds since the epoch.',
      field: 'X-Request-Deadline',
    })
  }
  return Number(value)
}
