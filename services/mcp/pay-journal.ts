import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { readDialogueState } from '../clerk/dialogue.js'
import { LEASE_KEY, type RedisEventStore } from './redis-event-store.js'
import type { PayJob, PayJournal } from './pay-progress.js'

/**
 * shared mode: a pay in progress is a job in Redis (`mcp:job:<streamId>`) with a lease
 * (`mcp:lease:<streamId>`, renewed by each event its holder writes). When the clerk running it
 * dies, the lease runs out, and the clerk a resuming client reaches takes the lease and finishes
 * the pay (shared-resume.ts). The lease is what keeps it to one clerk at a time.
 */
export const JOB_KEY = (streamId: string) => `mcp:job:${streamId}`

export function newLeaseOwner(clerkId: string): string {
  return `${clerkId}:${randomUUID()}`
}

/** takes the stream's lease when nobody holds it; true when this owner now holds it */
export async function takeLease(redis: Redis, streamId: string, owner: string, leaseMs: number): Promise<boolean> {
  return (await redis.set(LEASE_KEY(streamId), owner, 'PX', leaseMs, 'NX')) === 'OK'
}

/** the job of a stream, or undefined (none, expired, or not a job we would write) */
export async function readJob(redis: Redis, streamId: string): Promise<PayJob | undefined> {
  const json = await redis.get(JOB_KEY(streamId))
  if (json === null) return undefined
  try {
    const job = JSON.parse(json) as PayJob
    // a charge is read back as strictly as a dialogue state: the ledger must never get a bad one
    const state = readDialogueState({ step: 'buy', dialogueId: job.charge.dialogueId, productId: job.charge.productId, quantity: job.charge.quantity })
    return state === undefined ? undefined : job
  } catch {
    return undefined
  }
}

/** the journal of one request's pay: writes the job and takes the lease for the request's stream */
export function payJournal(redis: Redis, store: RedisEventStore, clerkId: string, leaseMs: number, ttlMs: number): PayJournal {
  return {
    async begin(job: PayJob) {
      // without a priming event (a client older than protocol 2025-11-25) nothing is stored and
      // the client cannot resume: the pay simply runs here
      const streamId = store.streamId
      if (streamId === undefined) return
      const owner = newLeaseOwner(clerkId)
      if (!(await takeLease(redis, streamId, owner, leaseMs))) throw new Error(`the stream ${streamId} already has a pay`)
      await redis.set(JOB_KEY(streamId), JSON.stringify(job), 'PX', ttlMs)
      store.owner = owner
    },
  }
}
