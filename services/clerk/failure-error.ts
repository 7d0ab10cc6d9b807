import type { DialogueFailure } from './dialogue.js'
import { clerkError, type ClerkError } from './errors.js'

/** Turns the pure dialogue's failure into the registry error the route answers with. */
export function failureError(failure: DialogueFailure, lostReason?: string): ClerkError {
  const { code, message, say, sayKo, field, expected } = failure
  return clerkError(code, {
    message,
    ...(say !== undefined && { say }),
    ...(sayKo !== undefined && { sayKo }),
    ...(field !== undefined && { field }),
    ...(expected !== undefined && { expected }),
    ...(code === 'CLERK_ERR_CONTEXT_LOST' && lostReason !== undefined && { reason: lostReason }),
  })
}
