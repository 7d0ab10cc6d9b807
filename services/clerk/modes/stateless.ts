import { randomUUID } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { signContext, verifyContext } from '../context-token.js'
import type { Step } from '../../common/vocabulary.js'
import { ask, buy, NO_DIALOGUE, quote, type DialogueState } from '../dialogue.js'
import { clerkError, failureError } from '../errors.js'
import type { ClerkOptions } from '../options.js'
import type { Loaded, StateCarrier } from './carrier.js'

/**
 * stateless: the client carries the whole context, so any clerk can answer any step. Either the
 * signed token the previous answer returned (`{"context":TOKEN,"quantity":2}`) or the explicit
 * fields (`buy`: product + quantity; `pay`: product, quantity, method; a cart's `items` with both). Explicit fields are
 * replayed through the same pure dialogue steps, so prices still come only from the catalog.
 *
 * @example
 *   const carrier = statelessCarrier(options)
 */
export function statelessCarrier(options: Readonly<ClerkOptions>, now: () => number = Date.now): StateCarrier {
  return {
    mode: 'stateless',
    serverSessions: false,
    load(request: FastifyRequest, step: Step): Loaded {
      const body = request.body
      if (step === 'ask' || typeof body !== 'object' || body === null || Array.isArray(body)) {
        // ask needs no context; a body that is not an object is the step's to refuse
        return { state: NO_DIALOGUE, line: body }
      }
      const fields = body as Record<string, unknown>
      if (Object.hasOwn(fields, 'context')) return fromToken(fields, step, options, now())
      return fromExplicitFields(fields, step)
    },
    save(_request, _reply, next: DialogueState) {
      return { context: signContext(next, options.sessionSecret, now()) }
    },
  }
}

function fromToken(fields: Record<string, unknown>, step: Step, options: Readonly<ClerkOptions>, now: number): Loaded {
  const { context, ...line } = fields
  if (typeof context !== 'string') {
    throw clerkError('CLERK_ERR_INVALID_BODY', {
      message: 'context must be the token string a previous answer returned.',
      field: 'context',
    })
  }
  const verified = verifyContext(context, options.sessionSecret, now, options.contextTtlMs)
  if (!verified.ok) {
    throw verified.reason === 'expired' ? clerkError('CLERK_ERR_CONTEXT_EXPIRED') : clerkError('CLERK_ERR_CONTEXT_TAMPERED')
  }
  const state = verified.state
  // Fields that repeat what the token says are fine; fields that contradict it are refused.
  if (Object.hasOwn(line, 'product')) {
    if (line.product !== state.productId) {
      throw clerkError('CLERK_ERR_INVALID_BODY', {
        message: `product ${quote(line.product)} differs from your context (${state.productId}); ask again to change it.`,
        field: 'product',
      })
    }
    delete line.product
  }
  if (step === 'pay' && Object.hasOwn(line, 'quantity')) {
    if (state.step === 'ask' || line.quantity !== state.quantity) {
      throw clerkError('CLERK_ERR_INVALID_BODY', {
        message: `quantity ${quote(line.quantity)} differs from your context; buy again to change it.`,
        field: 'quantity',
      })
    }
    delete line.quantity
  }
  return { state, line }
}

function fromExplicitFields(fields: Record<string, unknown>, step: Step): Loaded {
  const hasProduct = Object.hasOwn(fields, 'product')
  const hasQuantity = Object.hasOwn(fields, 'quantity')
  if (!hasProduct && (step === 'buy' || !hasQuantity)) {
    // nothing says what this is about: the stateless "2 of what?"
    return { state: NO_DIALOGUE, line: fields, lostReason: 'no_context' }
  }
  const { product, ...line } = fields
  if (!hasProduct) {
    throw clerkError('CLERK_ERR_INVALID_BODY', {
      message: 'A stateless pay needs either "context" or both "product" and "quantity".',
      field: 'product',
    })
  }
  // a fresh dialogue id each time: explicit fields alone are not idempotent (use Idempotency-Key)
  const asked = ask(NO_DIALOGUE, { product }, randomUUID())
  if (!asked.ok) throw failureError(asked.failure)
  if (step === 'buy') return { state: asked.state, line, anonymous: true }
  const { quantity, items, ...payLine } = line
  if (!hasQuantity) {
    throw clerkError('CLERK_ERR_INVALID_BODY', {
      message: 'A stateless pay needs either "context" or both "product" and "quantity".',
      field: 'quantity',
    })
  }
  // a cart's other lines, stated again like the rest (buy reads and prices them)
  const bought = buy(asked.state, items === undefined ? { quantity } : { quantity, items })
  if (!bought.ok) throw failureError(bought.failure)
  return { state: bought.state, line: payLine, anonymous: true }
}
