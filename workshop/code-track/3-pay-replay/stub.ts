import { formatWon } from '../../../services/clerk/catalog.js'
import type { Charge } from '../../../services/clerk/dialogue.js'
import { clerkError, type ClerkError } from '../../../services/clerk/errors.js'
import type { Order } from '../../../services/clerk/ledger.js'
import { chargeOfOrder, sameCharge, type FoundBy } from '../../../services/clerk/order-replay.js'

// Code track, exercise 3: making pay idempotent. This file stands in for
// services/clerk/order-replay.ts: sameCharge and chargeOfOrder are the project's own, the two
// refusals are written for you; you write replayConflict, the one place that decides whether a
// pay the ledger has seen before is a retry (answer with the stored order) or a different payment.
export { chargeOfOrder, sameCharge, type FoundBy }

/** 409: this dialogue was already paid, with another charge (the order is the customer's own: name it) */
export function alreadyPaid(order: Order): ClerkError {
  const what = `${order.quantity} × ${order.product}, ${formatWon(order.total)}`
  return clerkError('CLERK_ERR_ALREADY_PAID', {
    message: `This dialogue was already paid: order ${order.id}, ${what}. Start a new dialogue with ask.`,
    say: 'Your payment is already complete. What would you like to buy next?',
    sayKo: '이미 결제가 완료되었습니다. 무엇을 더 구매하시겠어요?',
  })
}

/** 422: the Idempotency-Key belongs to another payment (name nothing of it: not even its order id) */
export function keyReused(): ClerkError {
  return clerkError('CLERK_ERR_IDEMPOTENCY_KEY_REUSED', {
    message: 'This Idempotency-Key was already used by another payment. Use a new key for a new payment.',
    field: 'Idempotency-Key',
  })
}

/**
 * The ledger already holds `order` for this pay, found by the dialogue's id (`foundBy
 * 'dialogue'`) or by the request's Idempotency-Key (`'key'`). Return undefined when `charge` is
 * a retry of it: the same dialogue (`order.dialogueId === charge.dialogueId`) asking the very
 * same charge (`sameCharge`); the clerk then answers with the stored order and writes nothing.
 * Otherwise return the refusal (nothing is written either way):
 * - found by the dialogue, same dialogue, another charge → alreadyPaid(order);
 * - anything else (another dialogue's key, whatever it asks) → keyReused().
 *
 * @example
 *   replayConflict('key', order, sameChargeAgain)          // undefined: a retry
 *   replayConflict('dialogue', order, { ...charge, quantity: 3 }) // alreadyPaid(order), 409
 *   replayConflict('key', order, anotherDialoguesCharge)   // keyReused(), 422
 */
export function replayConflict(foundBy: FoundBy, order: Order, charge: Charge): ClerkError | undefined {
  void foundBy
  void order
  void charge
  throw new Error('not written yet')
}
