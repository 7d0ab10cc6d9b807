import { setTimeout as sleep } from 'node:timers/promises'
import type { CallToolResult, ProgressToken, RequestId } from '@modelcontextprotocol/sdk/types.js'
import { paid, type Charge } from '../clerk/dialogue.js'
import { chargeOfOrder } from '../clerk/order-replay.js'
import type { ClerkRuntime } from '../clerk/runtime.js'
import type { McpCarrier } from './mcp-carrier.js'
import { answer } from './tool-results.js'

/** sends one progress notification (notifications/progress) for the pay's request */
export type ProgressSink = (progress: number, total: number, message: string) => Promise<void>

/** the steps a pay streams, one progress event each */
export const PAY_STEPS = Object.freeze(['charging', 'charged', 'receipt'] as const)

/** What another clerk needs to finish a pay whose clerk died (shared mode: pay-journal.ts). */
export interface PayJob {
  requestId: RequestId
  progressToken: ProgressToken | undefined
  charge: Charge
}

/** Records a pay as a job another clerk may finish, before its first event (shared mode). */
export interface PayJournal {
  begin(job: PayJob): Promise<void>
}

export interface PayRun {
  runtime: ClerkRuntime
  carrier: McpCarrier
  charge: Charge
  /** undefined when the client asked for no progress (no progressToken): no events, no pauses */
  progress: ProgressSink | undefined
  /** how many progress events the client was already sent (a takeover carries on after them) */
  told: number
  journal?: PayJournal
  job?: Omit<PayJob, 'charge'>
}

/**
 * pay as a stream: "charging", the ledger's charge, "charged", "receipt", then the result. The
 * charge is idempotent per dialogue (the ledger replays the order of a dialogue already paid), so
 * a clerk that finishes another clerk's pay (told > 0) charges nothing twice, and every step it
 * runs again is one the client was not yet told of: no progress event is repeated.
 */
export async function payWithProgress(run: PayRun): Promise<CallToolResult> {
  const { runtime, carrier, progress } = run
  if (run.journal !== undefined && run.job !== undefined) await run.journal.begin({ ...run.job, charge: run.charge })
  const total = PAY_STEPS.length
  const pause = () => (progress === undefined ? Promise.resolve() : sleep(runtime.options.mcpPayStepMs))
  if (run.told < 1) {
    await progress?.(1, total, 'charging')
    await pause()
  }
  const written = await runtime.ledger.charge(run.charge, { mode: carrier.mode, clerk: runtime.options.clerkId, idempotencyKey: null })
  if (!written.replayed) runtime.metrics.orders.inc({ mode: carrier.mode })
  // worded from the stored order: on a replay, that is what was paid
  const done = paid(chargeOfOrder(written.order))
  const saved = await carrier.save(done.state)
  if (run.told < 2) {
    await progress?.(2, total, `charged: order ${written.order.id}`)
    await pause()
  }
  if (run.told < 3) await progress?.(3, total, `receipt: ${done.reply.say}`)
  return answer(runtime, carrier, done.reply, saved, { order: written.order, replayed: written.replayed })
}
