import createError, { type FastifyErrorConstructor } from '@fastify/error'

/**
 * Every error a clerk answers, with a stable code, its short `error` name (what clients switch on)
 * and its HTTP status. The error handler (error-handler.ts) renders them all the same way:
 *
 *   {"error":"context_lost","code":"CLERK_ERR_CONTEXT_LOST","statusCode":409,"message":"…",
 *    "say":"2 of what? What would you like to buy?","clerk":"clerk-b","mode":"stateful","step":"buy"}
 *
 * @example
 *   throw clerkError('CLERK_ERR_UNKNOWN_PRODUCT', { message: 'We do not sell "tablet".' })
 */
const definitions = {
  CLERK_ERR_CONTEXT_LOST: ['context_lost', 'This clerk has no record of your dialogue.', 409],
  CLERK_ERR_STEP_OUT_OF_ORDER: ['step_out_of_order', 'This step cannot follow the previous one.', 400],
  CLERK_ERR_UNKNOWN_PRODUCT: ['unknown_product', 'That product is not in the catalog.', 400],
  CLERK_ERR_INVALID_QUANTITY: ['invalid_quantity', 'quantity must be a whole number from 1 to 100.', 400],
  CLERK_ERR_INVALID_METHOD: ['invalid_method', 'method must be "card" or "cash".', 400],
  CLERK_ERR_INVALID_BODY: ['invalid_body', 'The body must be a JSON object with the fields of this step.', 400],
  CLERK_ERR_MALFORMED_JSON: ['malformed_json', 'The body is not valid JSON.', 400],
  CLERK_ERR_BODY_TOO_LARGE: ['body_too_large', 'The body is larger than 4 KiB.', 400],
  CLERK_ERR_UNSUPPORTED_MEDIA_TYPE: ['unsupported_media_type', 'Send the body as application/json.', 415],
  CLERK_ERR_PRICE_MISMATCH: ['price_mismatch', 'The price you stated is not the catalog price.', 400],
  CLERK_ERR_CONTEXT_TAMPERED: ['context_tampered', 'The context token does not carry a valid signature.', 401],
  CLERK_ERR_CONTEXT_EXPIRED: ['context_expired', 'The context token has expired; start again with ask.', 401],
  CLERK_ERR_ALREADY_PAID: ['already_paid', 'This dialogue was already paid with another charge; start a new dialogue with ask.', 409],
  CLERK_ERR_IDEMPOTENCY_KEY_REUSED: ['idempotency_key_reused', 'This Idempotency-Key was already used for another payment.', 422],
  CLERK_ERR_NOT_FOUND: ['not_found', 'There is no such route.', 404],
  CLERK_ERR_ORDER_NOT_FOUND: ['order_not_found', 'There is no order with that id.', 404],
  CLERK_ERR_UNAUTHORIZED: ['unauthorized', 'This admin route needs the right admin token.', 401],
  // refused by Node's HTTP parser before any route (client-error.ts)
  CLERK_ERR_BAD_REQUEST: ['bad_request', 'The request is not valid HTTP/1.1.', 400],
  CLERK_ERR_HEADERS_TOO_LARGE: ['headers_too_large', 'The request headers are larger than this clerk accepts.', 431],
  CLERK_ERR_REQUEST_TIMEOUT: ['request_timeout', 'The request did not arrive in time.', 408],
  CLERK_ERR_REDIS_UNAVAILABLE: ['redis_unavailable', 'Redis is unavailable; try again in a moment.', 503],
  CLERK_ERR_SESSIONS_FULL: ['sessions_full', 'This clerk holds as many live dialogues as it may; try again later.', 503],
  CLERK_ERR_TOO_MANY_NEW_SESSIONS: ['too_many_new_sessions', 'Too many new dialogues from your address; try again later.', 429],
  CLERK_ERR_SHUTTING_DOWN: ['shutting_down', 'This clerk is shutting down; ask another clerk.', 503],
  CLERK_ERR_INTERNAL: ['internal', 'Something went wrong inside this clerk.', 500],
} as const satisfies Record<string, readonly [string, string, number]>

export type ClerkErrorCode = keyof typeof definitions
export type ClerkErrorName = (typeof definitions)[ClerkErrorCode][0]

export const errors = Object.freeze(
  Object.fromEntries(
    Object.entries(definitions).map(([code, [, message, status]]) => [code, createError(code, message, status)]),
  ) as Record<ClerkErrorCode, FastifyErrorConstructor>,
)

/** short name (the `error` field) of each code, e.g. CLERK_ERR_CONTEXT_LOST → context_lost */
export const errorNames: Readonly<Record<ClerkErrorCode, ClerkErrorName>> = Object.freeze(
  Object.fromEntries(Object.entries(definitions).map(([code, [name]]) => [code, name])) as Record<
    ClerkErrorCode,
    ClerkErrorName
  >,
)

const codeByName = new Map<string, ClerkErrorCode>(
  Object.entries(definitions).map(([code, [name]]) => [name, code as ClerkErrorCode]),
)

export function codeOfName(name: ClerkErrorName): ClerkErrorCode {
  return codeByName.get(name) as ClerkErrorCode
}

/** Extra fields an error answer may carry besides error/code/statusCode/message. */
export interface ClerkErrorDetails {
  message?: string
  say?: string
  sayKo?: string
  /** context_lost: no_session | session_unknown | no_context */
  reason?: string
  /** step_out_of_order: the steps this dialogue may take next */
  expected?: readonly string[]
  /** invalid_body: the field at fault */
  field?: string
  /** sent as the Retry-After header (seconds), not in the body */
  retryAfterSeconds?: number
}

export interface ClerkError extends Error {
  code: ClerkErrorCode
  statusCode: number
  details?: Omit<ClerkErrorDetails, 'message' | 'retryAfterSeconds'>
  retryAfterSeconds?: number
}

export function clerkError(code: ClerkErrorCode, details: ClerkErrorDetails = {}): ClerkError {
  const err = new errors[code]() as ClerkError
  const { message, retryAfterSeconds, ...rest } = details
  if (message !== undefined) err.message = message
  if (retryAfterSeconds !== undefined) err.retryAfterSeconds = retryAfterSeconds
  if (Object.keys(rest).length > 0) err.details = rest
  return err
}

export function isClerkError(err: unknown): err is ClerkError {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined
  return typeof code === 'string' && Object.hasOwn(definitions, code)
}
