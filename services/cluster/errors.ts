import { defineErrors } from '../common/error-registry.js'

/**
 * The launcher's error registry: one stable code per failure of the chaos API, in the registry
 * shape of every part (services/common/error-registry.ts). The HTTP body is
 * `{"error":<name>,"code":<code>,"statusCode":N,"message":<sentence>}` (chaos-api.ts), the same
 * shape as the clerk's and the proxy's errors.
 */
export const clusterErrors = defineErrors(
  {
    CLUSTER_ERR_UNAUTHORIZED: ['unauthorized', 'This chaos action needs the admin token: send "Authorization: Bearer <ADMIN_TOKEN>".', 401],
    CLUSTER_ERR_NOT_FOUND: ['not_found', 'No chaos route %s %s.', 404],
    CLUSTER_ERR_UNKNOWN_CLERK: ['unknown_clerk', 'There is no clerk named "%s" in this cluster (clerks: %s).', 404],
    CLUSTER_ERR_INVALID_BODY: ['invalid_body', '%s', 400],
    CLUSTER_ERR_UNSUPPORTED_MEDIA_TYPE: ['unsupported_media_type', 'Send the body as application/json in UTF-8 (charset=utf-8, or no charset).', 415],
    CLUSTER_ERR_WRONG_STATE: ['wrong_state', '%s', 409],
    CLUSTER_ERR_REDIS_NOT_MANAGED: ['redis_not_managed', '%s', 409],
    CLUSTER_ERR_CLERK_UNREACHABLE: ['clerk_unreachable', '%s', 502],
    CLUSTER_ERR_START_FAILED: ['start_failed', '%s', 502],
    CLUSTER_ERR_REDIS_UNAVAILABLE: ['redis_unavailable', '%s', 503],
    // a bug of the launcher's own (logged)
    CLUSTER_ERR_INTERNAL: ['internal', '%s', 500],
  },
  { internal: 'CLUSTER_ERR_INTERNAL' },
)

/** the constructors by code (`new ClusterErrors.CLUSTER_ERR_WRONG_STATE('…')`) */
export const ClusterErrors = clusterErrors.errors
export type ClusterErrorCode = (typeof clusterErrors.codes)[number]
