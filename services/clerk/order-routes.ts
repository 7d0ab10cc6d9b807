import type { FastifyInstance } from 'fastify'
import { clerkError } from './errors.js'
import { ORDER_ID_PATTERN } from './ledger.js'
import type { ClerkRuntime } from './runtime.js'

/**
 * The ledger, read back from any clerk: GET /orders/:id and GET /orders?after=SEQ&limit=N (for
 * the load test's reconciliation: every confirmed order must be there exactly once).
 */
export function registerOrderRoutes(app: FastifyInstance, runtime: ClerkRuntime): void {
  const clerk = runtime.options.clerkId

  app.get('/orders/:id', async (request) => {
    const { id } = request.params as { id: string }
    if (!ORDER_ID_PATTERN.test(id)) {
      throw clerkError('CLERK_ERR_INVALID_BODY', { message: 'An order id looks like "o-42".', field: 'id' })
    }
    const order = await runtime.ledger.get(id)
    if (!order) throw clerkError('CLERK_ERR_ORDER_NOT_FOUND', { message: `There is no order ${id}.` })
    return { clerk, order }
  })

  app.get('/orders', async (request) => {
    const query = request.query as { after?: unknown; limit?: unknown }
    const after = readWhole(query.after, 'after', 0, 0, Number.MAX_SAFE_INTEGER)
    const limit = readWhole(query.limit, 'limit', 100, 1, 1000)
    const page = await runtime.ledger.list(after, limit)
    return { clerk, ...page }
  })
}

function readWhole(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw clerkError('CLERK_ERR_INVALID_BODY', { message: `${name} must be a whole number from ${min} to ${max}.`, field: name })
  }
  return n
}
