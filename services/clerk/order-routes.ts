import type { FastifyInstance } from 'fastify'
import { clerkError } from './errors.js'
import { ORDER_ID_PATTERN, type Order } from './ledger.js'
import type { ClerkRuntime } from './runtime.js'

/**
 * The ledger, read back from any clerk.
 *
 *   GET /orders/:id               whoever holds the id (128 random bits: only its customer, who
 *                                 was given it) reads the order, without what identifies a
 *                                 customer (customerView); the admin token shows all of it
 *   GET /orders?after=SEQ&limit=N the admin token only: every order, with its Idempotency-Key and
 *                                 dialogue id (the load test's reconciliation: every confirmed
 *                                 order must be there exactly once)
 */
export function registerOrderRoutes(app: FastifyInstance, runtime: ClerkRuntime): void {
  const clerk = runtime.options.clerkId

  app.get('/orders/:id', async (request) => {
    const { id } = request.params as { id: string }
    if (!ORDER_ID_PATTERN.test(id)) {
      throw clerkError('CLERK_ERR_INVALID_BODY', { message: 'An order id looks like "o-" and 22 letters, digits, "-" or "_".', field: 'id' })
    }
    const order = await runtime.ledger.get(id)
    if (!order) throw clerkError('CLERK_ERR_ORDER_NOT_FOUND', { message: `There is no order ${id}.` })
    return { clerk, order: runtime.isAdmin(request.headers) ? order : customerView(order) }
  })

  app.get('/orders', async (request) => {
    if (!runtime.isAdmin(request.headers)) {
      throw clerkError('CLERK_ERR_UNAUTHORIZED', {
        message:
          runtime.options.adminToken === undefined
            ? 'Listing the ledger needs the admin token, and this clerk has no ADMIN_TOKEN: start it with one.'
            : 'Listing the ledger needs the admin token: send Authorization: Bearer <ADMIN_TOKEN>. A customer reads their own order at /orders/<id>.',
      })
    }
    const query = request.query as { after?: unknown; limit?: unknown }
    const after = readWhole(query.after, 'after', 0, 0, Number.MAX_SAFE_INTEGER)
    const limit = readWhole(query.limit, 'limit', 100, 1, 1000)
    const page = await runtime.ledger.list(after, limit)
    return { clerk, ...page }
  })
}

/** An order as its customer may see it: no seq, no dialogue id, no Idempotency-Key. */
export type CustomerOrder = Omit<Order, 'seq' | 'dialogueId' | 'idempotencyKey'>

export function customerView(order: Order): CustomerOrder {
  const { seq: _seq, dialogueId: _dialogueId, idempotencyKey: _key, ...shown } = order
  return shown
}

function readWhole(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw clerkError('CLERK_ERR_INVALID_BODY', { message: `${name} must be a whole number from ${min} to ${max}.`, field: name })
  }
  return n
}
