import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { clerkError, clerkErrors, isClerkError, type ClerkError } from './errors.js'
import type { ClerkRuntime, DialogueRouteConfig } from './runtime.js'

/**
 * The one place where anything that went wrong becomes an answer: our registry errors as they
 * are, Fastify's parser/router errors mapped to the registry, and anything else a 500 `internal`
 * (a bug: logged). Every error answer has the same JSON shape and names the clerk.
 */
export function toClerkError(err: unknown): ClerkError {
  if (isClerkError(err)) return err
  const e = err as Partial<FastifyError>
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return clerkError('CLERK_ERR_UNSUPPORTED_MEDIA_TYPE')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return clerkError('CLERK_ERR_BODY_TOO_LARGE')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return clerkError('CLERK_ERR_MALFORMED_JSON')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return clerkError('CLERK_ERR_INVALID_BODY', { message: 'The body is empty; send a JSON object.' })
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return clerkError('CLERK_ERR_INVALID_BODY', { message: 'Content-Length does not match the body.' })
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return clerkError('CLERK_ERR_NOT_FOUND', { message: 'That URL is not valid here.' })
    default:
      break // not one of Fastify's request errors: decided by its status below
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return clerkError('CLERK_ERR_INVALID_BODY', { message: String(e.message ?? 'Bad request.') })
  }
  return clerkError('CLERK_ERR_INTERNAL')
}

export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply, runtime: ClerkRuntime): FastifyReply {
  const error = toClerkError(err)
  if (error.statusCode >= 500 && error.code === 'CLERK_ERR_INTERNAL') {
    request.log.error({ err }, 'unexpected error')
  }
  const config = (request.routeOptions?.config ?? {}) as DialogueRouteConfig
  reply.header('x-clerk', runtime.options.clerkId)
  if (runtime.draining) reply.header('connection', 'close')
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds))
  return reply
    .code(error.statusCode)
    .type('application/json; charset=utf-8')
    .send(
      clerkErrors.body(error, {
        ...error.details,
        clerk: runtime.options.clerkId,
        ...(config.mode !== undefined && { mode: config.mode }),
        ...(config.step !== undefined && { step: config.step }),
      }),
    )
}

export function installErrorHandling(app: FastifyInstance, runtime: ClerkRuntime): void {
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply, runtime))
  app.setNotFoundHandler((request, reply) =>
    sendError(clerkError('CLERK_ERR_NOT_FOUND', { message: `There is no route ${request.method} ${request.url.slice(0, 200)}.` }), request, reply, runtime),
  )
}
