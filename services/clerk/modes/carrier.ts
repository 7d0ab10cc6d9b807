import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Mode, Step } from '../../common/vocabulary.js'
import type { DialogueState } from '../dialogue.js'

/**
 * What a session mode decides, and nothing more: where a dialogue's state is read from and
 * written to. The routes run the same dialogue in every mode through this.
 */
export interface StateCarrier {
  readonly mode: Mode
  /** keeps a session on the server per customer (a new one may be created by ask) */
  readonly serverSessions: boolean
  /**
   * The state this request continues and the customer's line for the step (the body, without
   * what only carries state, such as a stateless context). `lostReason` says why there is none.
   * Throws a ClerkError when the carried state itself is bad (tampered token, Redis down).
   */
  load(request: FastifyRequest, step: Step): Promise<Loaded> | Loaded
  /** keeps `next`; returns fields to add to the answer (the stateless context token) */
  save(request: FastifyRequest, reply: FastifyReply, next: DialogueState): Promise<SavedFields> | SavedFields
}

export interface Loaded {
  state: DialogueState
  line: unknown
  lostReason?: 'no_session' | 'session_unknown' | 'no_context'
  /** stateless explicit fields: a dialogue made up for this request alone, whose id means
   *  nothing to anyone (a keyed pay is then named by its key: idempotency-key.ts) */
  anonymous?: boolean
  /** the session cookie as the customer sent it (session modes), also when its dialogue is lost:
   *  what a receipt is filed under beside the Idempotency-Key (receipt.ts) */
  sessionCookie?: string
}

export interface SavedFields {
  context?: string
}
