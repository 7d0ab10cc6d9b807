import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ClerkRuntime, DialogueRouteConfig } from './runtime.js'

/** the status label of clerk_requests_total for a request whose client left before its answer */
export const ABORTED_STATUS = 'aborted'

/**
 * Counts a request in flight from its onRequest hook until its response closes, and records it in
 * clerk_requests_total once, however it ends.
 *
 * Why the raw response's 'close' and not Fastify's onResponse: onResponse runs on 'finish', which
 * never comes when the client goes away first (destroyed mid-answer, or while its body stalls), so
 * each such request left inFlight one too high forever and was missing from the metrics. 'close'
 * is emitted exactly once per response in both cases (after 'finish', or when the socket closes);
 * a response closed before 'finish' is counted with status "aborted" and no duration.
 *
 * @example
 *   app.addHook('onRequest', async (request, reply) => { trackRequest(runtime, request, reply) })
 */
export function trackRequest(runtime: ClerkRuntime, request: FastifyRequest, reply: FastifyReply): void {
  runtime.inFlight++
  let finished = false
  reply.raw.once('finish', () => {
    finished = true
  })
  reply.raw.once('close', () => {
    runtime.inFlight--
    record(runtime, request, reply, finished)
  })
}

function record(runtime: ClerkRuntime, request: FastifyRequest, reply: FastifyReply, finished: boolean): void {
  const config = (request.routeOptions.config ?? {}) as DialogueRouteConfig
  const mode = config.mode ?? 'none'
  const step = config.step ?? request.routeOptions.url ?? 'unmatched'
  runtime.metrics.requests.inc({ mode, step, status: finished ? String(reply.statusCode) : ABORTED_STATUS })
  if (finished && config.mode !== undefined) runtime.metrics.duration.observe({ mode, step }, reply.elapsedTime / 1000)
}
