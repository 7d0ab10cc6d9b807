import type { Mode, Step } from '../services/common/vocabulary.js'
import type { Outcome } from './customer.js'

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
  /** the order the customer was told about (pay answered 200) */
  orderId: string | undefined
  total: number | undefined
}
