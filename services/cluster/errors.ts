import createError from '@fastify/error'

/**
 * The launcher's error registry: one stable code per failure of the chaos API. The HTTP body is
 * `{"error":<name>,"code":<code>,"statusCode":N,"message":<sentence>}` (chaos-api.ts), the same
 * shape as the clerk's and the proxy's errors.
 */
export const ClusterErrors = {
  CLUSTER_ERR_UNAUTHORIZED: createError(
    'CLUSTER_ERR_UNAUTHORIZED',
    'This chaos action needs the admin token: send "Authorization: Bearer <ADMIN_TOKEN>".',
    401,
  ),
  CLUSTER_ERR_NOT_FOUND: createError('CLUSTER_ERR_NOT_FOUND', 'No chaos route %s %s.', 404),
  CLUSTER_ERR_UNKNOWN_CLERK: createError(
    'CLUSTER_ERR_UNKNOWN_CLERK',
    'There is no clerk named "%s" in this cluster (clerks: %s).',
    404,
  ),
  CLUSTER_ERR_INVALID_BODY: createError('CLUSTER_ERR_INVALID_BODY', '%s', 400),
  CLUSTER_ERR_UNSUPPORTED_MEDIA_TYPE: createError(
    'CLUSTER_ERR_UNSUPPORTED_MEDIA_TYPE',
    'Send the body as application/json in UTF-8 (charset=utf-8, or no charset).',
    415,
  ),
  CLUSTER_ERR_WRONG_STATE: createError('CLUSTER_ERR_WRONG_STATE', '%s', 409),
  CLUSTER_ERR_REDIS_NOT_MANAGED: createError('CLUSTER_ERR_REDIS_NOT_MANAGED', '%s', 409),
  CLUSTER_ERR_CLERK_UNREACHABLE: createError('CLUSTER_ERR_CLERK_UNREACHABLE', '%s', 502),
  CLUSTER_ERR_START_FAILED: createError('CLUSTER_ERR_START_FAILED', '%s', 502),
} as const

export type ClusterErrorCode = keyof typeof ClusterErrors

/** the short name clients switch on, as in every part's error bodies */
export const clusterErrorNames: Readonly<Record<ClusterErrorCode, string>> = Object.freeze({
  CLUSTER_ERR_UNAUTHORIZED: 'unauthorized',
  CLUSTER_ERR_NOT_FOUND: 'not_found',
  CLUSTER_ERR_UNKNOWN_CLERK: 'unknown_clerk',
  CLUSTER_ERR_INVALID_BODY: 'invalid_body',
  CLUSTER_ERR_UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  CLUSTER_ERR_WRONG_STATE: 'wrong_state',
  CLUSTER_ERR_REDIS_NOT_MANAGED: 'redis_not_managed',
  CLUSTER_ERR_CLERK_UNREACHABLE: 'clerk_unreachable',
  CLUSTER_ERR_START_FAILED: 'start_failed',
})
