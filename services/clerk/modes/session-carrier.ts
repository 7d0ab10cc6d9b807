import type { FastifyRequest } from 'fastify'
import type { Mode, Step } from '../../common/vocabulary.js'
import { NO_DIALOGUE, readDialogueState, type DialogueState } from '../dialogue.js'
import type { Loaded, StateCarrier } from './carrier.js'

declare module 'fastify' {
  interface Session {
    dialogue?: DialogueState
  }
}

/**
 * State in the @fastify/session session (stateful: this clerk's memory; shared: Redis). The
 * session is saved here, inside the handler, rather than by the plugin's onSend hook: a store
 * that fails (Redis down) then becomes this request's 503 through the error handler, and the
 * session is put back as it was so the error answer does not try to save it a second time.
 */
export function sessionCarrier(mode: Mode, cookieName: string): StateCarrier {
  return {
    mode,
    serverSessions: true,
    load(request: FastifyRequest, step: Step): Loaded {
      // A stored state is checked like a customer's words: the store is ours, but a record written
      // by an older clerk (or by hand in Redis) must not become a charge. One we cannot use is as
      // good as no session (409 context_lost, session_unknown): the customer starts over with ask.
      const cookie = request.cookies[cookieName]
      const sessionCookie = cookie ? { sessionCookie: cookie } : {}
      const stored = readDialogueState(request.session.get('dialogue'))
      if (stored) return { state: stored, line: request.body, ...sessionCookie }
      // A cookie we cannot match to a session: another clerk's, a forged one, an expired one.
      if (step !== 'ask') {
        // buy/pay without a dialogue fail and save nothing. Left alone, the plugin would answer
        // with a Set-Cookie clearing the customer's cookie, which may belong to a dialogue another
        // clerk behind the same proxy still holds: leave the cookie as it is.
        ;(request as { session: unknown }).session = null
      }
      return { state: NO_DIALOGUE, line: request.body, lostReason: cookie ? 'session_unknown' : 'no_session', ...sessionCookie }
    },
    async save(request, _reply, next) {
      const session = request.session
      const previous = session.get('dialogue')
      session.set('dialogue', next)
      try {
        await session.save()
      } catch (err) {
        session.set('dialogue', previous)
        throw err
      }
      return {}
    },
  }
}
