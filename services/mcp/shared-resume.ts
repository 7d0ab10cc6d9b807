import type { ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { ClerkRuntime } from '../clerk/runtime.js'
import { JSON_RPC, sendJsonRpcError } from './json-rpc-answers.js'
import type { McpCarrier } from './mcp-carrier.js'
import { newLeaseOwner, readJob, takeLease } from './pay-journal.js'
import { payWithProgress, type PayJob } from './pay-progress.js'
import { parseEventId, type SessionStreams, type StoredEvent } from './redis-event-store.js'
import { toolError } from './tool-results.js'

export interface ResumeDeps {
  runtime: ClerkRuntime
  streams: SessionStreams
  carrier: McpCarrier
  sessionId: string
  /** lost the lease to another clerk, or Redis failed: readers see no more events from here,
   *  and the client's next resume tries again */
  warn: (line: string) => void
}

const POLL_MS = 50 // how often a resumed stream looks for new events in Redis
const RESUME_MAX_MS = 60_000 // 1 min: a resumed stream ends after this even if its pay never finished

/**
 * GET with `Last-Event-ID` in shared mode: the SDK client's way back into a stream that was cut
 * (its clerk died mid-pay). Any clerk answers: it sends the stream's events after that id from
 * Redis, then follows the stream until the request's response is in it. When the pay's lease has
 * run out (its clerk is dead), this clerk takes the lease and finishes the pay itself: the charge
 * replays the same order (idempotent per dialogue), and only the progress events the client was
 * not yet sent are written, so none is lost or repeated.
 *
 * The SDK transport's own replay (EventStore.replayEventsAfter) can only send what is stored: the
 * work of a dead process is gone with it. Hence this handler, in the transport's SSE format.
 */
export async function resumeStream(deps: ResumeDeps, res: ServerResponse, lastEventId: string): Promise<void> {
  const { streams, runtime } = deps
  const parsed = parseEventId(lastEventId)
  let events = parsed && (await streams.events(parsed.streamId))
  const at = events?.findIndex((e) => e.entryId === parsed?.entryId) ?? -1
  if (parsed === undefined || events === undefined || at === -1) {
    sendJsonRpcError(res, JSON_RPC.badEventId)
    return
  }
  const { streamId } = parsed
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no', 'mcp-session-id': deps.sessionId })
  res.flushHeaders()
  let gone = false
  res.once('close', () => (gone = true))
  let sent = at + 1
  let takingOver = false
  const deadline = Date.now() + RESUME_MAX_MS
  try {
    while (!gone) {
      for (; sent < events.length; sent++) writeEvent(res, events[sent] as StoredEvent)
      if (events.some((e) => isResponse(e.message)) || Date.now() > deadline) break
      if (!takingOver) {
        const job = await readJob(runtime.redis, streamId)
        const owner = newLeaseOwner(runtime.options.clerkId)
        if (job === undefined) break // not a pay: nobody can finish it, the client will ask again
        if (await takeLease(runtime.redis, streamId, owner, streams.options.leaseMs)) {
          takingOver = true
          void finishPay(deps, streamId, job, owner, progressTold(events, job)).catch((err: unknown) =>
            deps.warn(`could not finish a pay of session ${deps.sessionId}: ${(err as Error).message}`),
          )
        }
      }
      await sleep(POLL_MS)
      events = (await streams.events(streamId)) ?? events
    }
  } catch {
    res.destroy() // Redis went away mid-resume: the client sees the cut and may try again
    return
  }
  res.end()
}

/** runs the rest of a dead clerk's pay, writing its events (fenced by the lease) to the stream */
async function finishPay(deps: ResumeDeps, streamId: string, job: PayJob, owner: string, told: number): Promise<void> {
  const token = job.progressToken
  const progress =
    token === undefined
      ? undefined
      : async (progress: number, total: number, message: string) => {
          await deps.streams.append(streamId, { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress, total, message } }, owner)
        }
  let result: CallToolResult
  try {
    result = await payWithProgress({ runtime: deps.runtime, carrier: deps.carrier, charge: job.charge, progress, told })
  } catch (err) {
    result = toolError(err)
  }
  await deps.streams.append(streamId, { jsonrpc: '2.0', id: job.requestId, result }, owner)
}

/** the highest progress the stream already holds for the job's token */
function progressTold(events: readonly StoredEvent[], job: PayJob): number {
  let told = 0
  for (const { message } of events) {
    const m = message as { method?: string; params?: { progressToken?: unknown; progress?: unknown } }
    const progress = m.params?.progress
    if (m.method === 'notifications/progress' && m.params?.progressToken === job.progressToken && typeof progress === 'number') told = Math.max(told, progress)
  }
  return told
}

function isResponse(message: object): boolean {
  return 'id' in message && ('result' in message || 'error' in message)
}

// the SDK transport's own SSE framing (webStandardStreamableHttp.js: writeSSEEvent); the priming
// event (an empty message) is not sent again
function writeEvent(res: ServerResponse, event: StoredEvent): void {
  if (Object.keys(event.message).length === 0) return
  res.write(`event: message\nid: ${event.eventId}\ndata: ${JSON.stringify(event.message)}\n\n`)
}
