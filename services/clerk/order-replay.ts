import { formatWon } from './catalog.js'
import type { Charge } from './dialogue.js'
import { clerkError, type ClerkError } from './errors.js'
import type { Order } from './ledger.js'

/**
 * When the ledger already holds an order for a pay (found by its dialogue id or by its
 * Idempotency-Key), is this pay a retry of it or a different payment? The one place that decides.
 * A retry comes from the same dialogue and asks for the very same charge: it gets the stored order
 * back. Anything else is refused and nothing is written:
 * - another dialogue's key (whatever the charge): 422. A key belongs to the dialogue that first
 *   paid with it, i.e. to the session or token that carries that dialogue; otherwise anyone who
 *   learnt a key would get "Payment … completed." and a paid state for somebody else's charge.
 *   The refusal names nothing of that other order (its id alone would let them read it);
 * - this dialogue's order with another charge: 409 already_paid, naming it (it is the customer's).
 *
 * @example
 *   const conflict = replayConflict('key', order, charge)
 *   if (conflict) throw conflict   // 422 idempotency_key_reused, naming the order
 */
export type FoundBy = 'dialogue' | 'key'

/** the same product, quantity, prices and method: what a retried pay of the same dialogue asks */
export function sameCharge(order: Order, charge: Charge): boolean {
  return (
    order.product === charge.productId &&
    order.quantity === charge.quantity &&
    order.unitPrice === charge.unitPrice &&
    order.total === charge.total &&
    order.method === charge.method
  )
}

/** undefined when `charge` replays `order`; else the error to answer with (nothing is written) */
export function replayConflict(foundBy: FoundBy, order: Order, charge: Charge): ClerkError | undefined {
  const sameDialogue = order.dialogueId === charge.dialogueId
  if (sameDialogue && sameCharge(order, charge)) return undefined
  if (foundBy === 'dialogue' && sameDialogue) {
    const what = `${order.quantity} × ${order.product}, ${formatWon(order.total)}`
    return clerkError('CLERK_ERR_ALREADY_PAID', {
      message: `This dialogue was already paid: order ${order.id}, ${what}. Start a new dialogue with ask.`,
      say: 'Your payment is already complete. What would you like to buy next?',
      sayKo: '이미 결제가 완료되었습니다. 무엇을 더 구매하시겠어요?',
    })
  }
  return clerkError('CLERK_ERR_IDEMPOTENCY_KEY_REUSED', {
    message: 'This Idempotency-Key was already used by another payment. Use a new key for a new payment.',
    field: 'Idempotency-Key',
  })
}

/**
 * The charge a stored order stands for, so the answer to a replay is worded from what was paid
 * (and the state after it names the dialogue that paid), never from what this request asked.
 */
export function chargeOfOrder(order: Order): Charge {
  return {
    dialogueId: order.dialogueId,
    productId: order.product,
    quantity: order.quantity,
    unitPrice: order.unitPrice,
    total: order.total,
    method: order.method,
  }
}
