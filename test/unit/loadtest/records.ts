import type { ChaosEventRecord } from '../../../loadtest/run/chaos-schedule.js'
import type { DialogueRecord } from '../../../loadtest/run/customer.js'

/** A hand-made dialogue record: completed by clerk-a unless told otherwise. Times in ms from 0. */
export function record(fields: Partial<DialogueRecord> & { id: number }): DialogueRecord {
  return {
    mode: 'stateful',
    idempotencyKey: `run-${fields.id}`,
    startedAt: 0,
    endedAt: 100,
    outcome: 'completed',
    step: 'pay',
    status: 200,
    reason: undefined,
    clerks: { ask: 'clerk-a', buy: 'clerk-a', pay: 'clerk-a' },
    latencyMs: { ask: 10, buy: 20, pay: 30 },
    redispatched: false,
    receipt: false,
    orderId: `o-${fields.id}`,
    total: 2_000_000,
    ...fields,
  }
}

export function chaosEvent(fields: Partial<ChaosEventRecord>): ChaosEventRecord {
  return {
    flag: 'kill',
    verb: 'kill',
    target: 'clerk-b',
    arg: undefined,
    text: '--kill clerk-b@1s',
    atMs: 1000,
    firedAt: 1000,
    doneAt: 1100,
    ok: true,
    status: 200,
    via: 'launcher',
    error: undefined,
    ...fields,
  }
}
