/**
 * The one place that knows how to drive whole laptop-shop dialogues (ask → buy → pay) with
 * autocannon. It returns autocannon `requests` (one entry per step) and a `setupClient` hook; pass
 * BOTH to autocannon. Each autocannon connection is a customer that runs one dialogue after
 * another; every dialogue starts as a new customer (empty cookie jar, no token), carries its
 * context from answer to answer (cookies from `set-cookie` sent back — the clerk's
 * `stateful_sid`/`shared_sid` and the proxy's sticky `lb_clerk` — or the stateless `context` token
 * of the previous JSON answer), sends an `Idempotency-Key` unique to the dialogue on pay (and
 * step keys on ask and buy, see `retrySafeSteps`), and ends
 * with exactly one call of `onDialogue` (completed, context_lost or failed, with the step it ended
 * at and the clerks that served it). Dialogues still open when autocannon stops are closed as
 * `unfinished` by `closeOpen()`.
 *
 * @example
 *   import autocannon from 'autocannon'
 *   import { dialogueRequests } from './dialogue-requests.js'
 *
 *   const traffic = dialogueRequests({
 *     mode: 'shared',
 *     onDialogue: (d) => console.log(d.id, d.outcome, d.step, d.clerks),
 *   })
 *   const result = await autocannon({
 *     url: 'http://127.0.0.1:8080',
 *     connections: 20,
 *     duration: 10,
 *     requests: traffic.requests,
 *     setupClient: traffic.setupClient,
 *   })
 *   const leftovers = traffic.closeOpen()   // dialogues cut by the end of the run
 *
 * Why setupClient: autocannon hands `onResponse` the connection's *current* context, which under
 * pipelining already belongs to a later dialogue, and on a timeout or a reset it silently moves on
 * to the next step. So each connection keeps its own FIFO of sent steps (answers come back in
 * order), fed from setupRequest and drained on the client's `response` event; a reconnect fails
 * whatever was still waiting on the old socket. With `keepAlive: false` each request says
 * `Connection: close` and the client opens a fresh socket after each answer (autocannon's own
 * `reconnectRate` would drop the answer before `onResponse` sees it). These hooks use autocannon
 * 8's Client internals `_connect`, `_doRequest` and `_resetConnection`; the integration test
 * test/integration/loadtest/run/dialogue-requests.test.ts pins that behaviour.
 *
 * Pipelining: stateful and shared dialogues need the previous answer's cookie before the next
 * step is sent, so they only work with pipelining 1; stateless with `statelessCarry: 'fields'`
 * works pipelined (each step states product, quantity and method itself).
 */
import type { Client, Request } from 'autocannon'
import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'
import { STEPS, type Mode, type Step } from '../../services/common/vocabulary.js'
import {
  DEFAULT_ORDER,
  judgeAnswer,
  newCustomerState,
  newDialogueRecord,
  stepRequest,
  type Answer,
  type CustomerState,
  type DialogueRecord,
  type Headers,
  type OrderWish,
  type StatelessCarry,
} from './customer.js'
import { WireMeter, type WireBytes } from './wire-bytes.js'

export interface DialogueRequestsOptions {
  mode: Mode
  /** what every customer buys (default: 2 laptops by card) */
  wish?: OrderWish
  /** prefix of every Idempotency-Key (default `lt-<8 random hex>`); keys are `<prefix>-<id>` */
  keyPrefix?: string
  /** false: every request says `Connection: close` and each answer gets a new socket (default true) */
  keepAlive?: boolean
  /** stateless only (default `token`) */
  statelessCarry?: StatelessCarry
  /**
   * false: a customer who refuses cookies, keeps none and sends none back (`--cookies off`):
   * stateful and shared dialogues end at buy as `no_session`, stateless ones carry on (default true)
   */
  cookies?: boolean
  /**
   * asked before each new dialogue (default: always true); false → the connection closes and
   * leaves the run (autocannon ends when all have left). Only a request autocannon builds before
   * the connection exists is sent as an idle GET instead.
   */
  mayStart?: () => boolean
  /** path of the idle request, answered by the proxy itself (default `/_loadtest/idle`, a 404) */
  idlePath?: string
  /** the autocannon `timeout` in seconds, to tell a timeout from a reset (default 10) */
  timeoutSeconds?: number
  /**
   * ask and buy carry an Idempotency-Key of their own (`<key>-ask`, `<key>-buy`; the clerk only
   * reads the key on pay) so the proxy may retry them on another clerk when one dies mid-answer:
   * repeating them charges nothing. false: only pay has a key, and a clerk dying under an ask or
   * buy shows up as a 502 (default true)
   */
  retrySafeSteps?: boolean
  /**
   * false: no Idempotency-Key on any step, pay included, as a browser or curl sends (`--keys off`):
   * whether a cut-off request is retried is then the load balancer's own judgement (default true)
   */
  keys?: boolean
  /**
   * the cluster's admin token, sent on each ask: a clerk does not count the asks of the admin
   * against its limit of new sessions per client (every customer of a local load test comes
   * from one address). Without it a fast run meets 429 too_many_new_sessions.
   */
  adminToken?: string | undefined
  /** called once per dialogue, when it ends */
  onDialogue?: (record: DialogueRecord) => void
  /** called for each answer of a step (also after the dialogue ended, under pipelining) */
  onAnswer?: (step: Step, status: number, latencyMs: number) => void
  /** wall clock, ms (default Date.now) */
  now?: () => number
}

export interface DialogueTraffic {
  /** autocannon `requests`: ask, buy, pay */
  readonly requests: Request[]
  /** autocannon `setupClient` */
  readonly setupClient: (client: Client) => void
  /** the Idempotency-Key prefix of this traffic */
  readonly keyPrefix: string
  /** dialogues started so far */
  started(): number
  /** dialogues started and not ended yet */
  open(): number
  /** ends every open dialogue as `unfinished` (call after autocannon stopped); returns them */
  closeOpen(): DialogueRecord[]
}

interface Dialogue {
  record: DialogueRecord
  customer: CustomerState
}

/** One request on the wire, waiting for its answer. */
interface Sent {
  dialogue: Dialogue | undefined // undefined: an idle request
  step: Step
  sentAt: number
}

interface Track {
  waiting: Sent[]
  /** the dialogue this connection is in (undefined: none, or idle) */
  current: Dialogue | undefined
  /** the step of the last request built for this connection */
  lastStep: Step | undefined
  /** the request autocannon built in the Client constructor, before setupClient ran */
  first: Sent | undefined
  /** the last answer said the connection closes */
  closeAfter: boolean
  lastError: string | undefined
  /** every byte on this connection's sockets (wire-bytes.ts), given to each answer's dialogue */
  meter: WireMeter
}

/** The parts of autocannon 8's Client this module hooks into (see the header comment). */
interface ClientInternals {
  _connect(): void
  _doRequest(): void
  /** the current socket, set by _connect */
  conn: Socket
  _resetConnection(): void
  destroy(): void
}

type Context = { dialogue?: Dialogue; idle?: boolean }

export function dialogueRequests(options: DialogueRequestsOptions): DialogueTraffic {
  const mode = options.mode
  const wish = options.wish ?? DEFAULT_ORDER
  const keyPrefix = options.keyPrefix ?? `lt-${randomBytes(4).toString('hex')}`
  const keepAlive = options.keepAlive ?? true
  const carry = options.statelessCarry ?? 'token'
  const mayStart = options.mayStart ?? (() => true)
  const idlePath = options.idlePath ?? '/_loadtest/idle'
  const timeoutMs = (options.timeoutSeconds ?? 10) * 1000 // s → ms
  const now = options.now ?? Date.now
  const onDialogue = options.onDialogue ?? (() => {})
  const onAnswer = options.onAnswer ?? (() => {})
  const retrySafeSteps = options.retrySafeSteps ?? true
  const keys = options.keys ?? true
  const cookies = options.cookies ?? true

  let nextId = 1
  const openDialogues = new Set<Dialogue>()
  // setupRequest runs synchronously right after the client's `request` event (or, for the very
  // first request of a connection, inside the Client constructor before setupClient): these two
  // slots tell it which connection it is building for.
  let building: Track | undefined
  let builtBeforeSetup: Sent | undefined
  // onResponse (which gets the answer) runs right before the client's `response` event (which
  // tells which connection it came from).
  let lastAnswer: Answer | undefined

  function startDialogue(): Dialogue {
    const id = nextId++
    const dialogue: Dialogue = {
      // wire bytes are counted on this customer's sockets (wire-bytes.ts)
      record: { ...newDialogueRecord(id, mode, `${keyPrefix}-${id}`, now()), wire: { sent: 0, received: 0 } },
      customer: newCustomerState(),
    }
    openDialogues.add(dialogue)
    return dialogue
  }

  function end(dialogue: Dialogue, fields: Partial<DialogueRecord>): void {
    if (dialogue.record.outcome !== undefined) return
    Object.assign(dialogue.record, fields, { endedAt: now() })
    openDialogues.delete(dialogue)
    onDialogue(dialogue.record)
  }

  function remember(sent: Sent): void {
    if (building) {
      building.waiting.push(sent)
      building.current = sent.dialogue
      building.lastStep = sent.step
      building = undefined
    } else {
      builtBeforeSetup = sent
    }
  }

  function setupRequest(step: Step, request: Request, context: Context): Request | undefined {
    if (step === 'ask') {
      context.dialogue = undefined
      context.idle = !mayStart()
      if (context.idle) {
        remember({ dialogue: undefined, step, sentAt: now() })
        return { ...request, method: 'GET', path: idlePath, headers: connectionHeaders({}), body: '' }
      }
      context.dialogue = startDialogue()
    }
    const dialogue = context.dialogue
    // Returning nothing makes autocannon start over at `ask` with a fresh context: the dialogue
    // this connection was in has ended (or never started, after an idle request).
    if (context.idle || !dialogue || dialogue.record.outcome !== undefined) return undefined
    const { path, body } = stepRequest(mode, step, dialogue.customer, wish, carry)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    const cookie = dialogue.customer.jar.header()
    if (cookie) headers.cookie = cookie
    if (step === 'ask' && options.adminToken) headers.authorization = `Bearer ${options.adminToken}`
    if (!keys) {
      // a keyless customer: nothing to add
    } else if (step === 'pay') headers['idempotency-key'] = dialogue.record.idempotencyKey
    else if (retrySafeSteps) headers['idempotency-key'] = `${dialogue.record.idempotencyKey}-${step}`
    remember({ dialogue, step, sentAt: now() })
    return { ...request, method: 'POST', path, headers: connectionHeaders(headers), body: JSON.stringify(body) }
  }

  function connectionHeaders(headers: Record<string, string>): Record<string, string> {
    // autocannon always writes `Connection: keep-alive`; a second `Connection: close` wins
    // (RFC 9112: close in any Connection field value ends the connection after the answer).
    return keepAlive ? headers : { ...headers, connection: 'close' }
  }

  /** the bytes of an exchange go to its dialogue (an idle request's to nobody) */
  function charge(dialogue: Dialogue | undefined, bytes: WireBytes): void {
    const wire = dialogue?.record.wire
    if (!wire) return
    wire.sent += bytes.sent
    wire.received += bytes.received
  }

  function answered(sent: Sent | undefined, answer: Answer | undefined, latencyMs: number, bytes: WireBytes): void {
    const dialogue = sent?.dialogue
    // with pipelining 1 the next request is not written yet: these bytes are exactly this exchange
    charge(dialogue, bytes)
    if (!sent || !dialogue || !answer) return // idle requests are not part of any dialogue
    onAnswer(sent.step, answer.status, latencyMs)
    dialogue.record.latencyMs[sent.step] = latencyMs
    if (dialogue.record.outcome !== undefined) return
    const verdict = judgeAnswer(sent.step, answer)
    if (verdict.clerk) dialogue.record.clerks[sent.step] = verdict.clerk
    if (verdict.redispatched) dialogue.record.redispatched = true
    if (verdict.receipt) dialogue.record.receipt = true
    if (cookies) dialogue.customer.jar.take(verdict.setCookie)
    if (verdict.token !== undefined) dialogue.customer.token = verdict.token
    if (verdict.end === undefined) return
    end(dialogue, {
      outcome: verdict.end,
      step: sent.step,
      status: answer.status,
      reason: verdict.reason,
      orderId: verdict.orderId,
      total: verdict.total,
    })
  }

  function noAnswer(sent: Sent, reason: string): void {
    if (!sent.dialogue) return
    end(sent.dialogue, { outcome: 'failed', step: sent.step, status: 0, reason })
  }

  function setupClient(client: Client): void {
    const track: Track = {
      waiting: [],
      current: builtBeforeSetup?.dialogue,
      lastStep: builtBeforeSetup?.step,
      first: builtBeforeSetup,
      closeAfter: false,
      lastError: undefined,
      meter: new WireMeter(),
    }
    builtBeforeSetup = undefined
    const internals = client as unknown as ClientInternals
    // the typings know only some of the events autocannon's Client emits
    const events = client as unknown as NodeJS.EventEmitter

    events.on('request', () => {
      // the first `request` event sends what the constructor built; later ones build first
      if (track.first) {
        track.waiting.push(track.first)
        track.first = undefined
      } else {
        building = track
      }
    })
    events.on('headers', (info: { shouldKeepAlive?: boolean }) => {
      track.closeAfter = info.shouldKeepAlive === false
    })
    events.on('response', (_status: number, _bytes: number, latencyMs: number) => {
      const answer = lastAnswer
      lastAnswer = undefined
      answered(track.waiting.shift(), answer, latencyMs, track.meter.take())
    })
    events.on('connError', (err: NodeJS.ErrnoException) => {
      track.lastError = err.code ?? 'connection_error'
    })

    // Every (re)connect — after a timeout, a socket error, the server closing, or our own
    // Connection: close — abandons what was waiting on the old socket: those steps get no answer.
    const connect = internals._connect.bind(client)
    internals._connect = () => {
      const lost = track.waiting.splice(0)
      const at = now()
      // what the old socket carried since the last answer was spent on the first step it lost
      charge(lost[0]?.dialogue, track.meter.take())
      for (const sent of lost) {
        const reason = track.lastError ?? (at - sent.sentAt >= timeoutMs * 0.9 ? 'timeout' : 'connection_closed')
        noAnswer(sent, reason)
      }
      track.lastError = undefined
      connect()
      if (internals.conn) track.meter.watch(internals.conn)
    }
    const doRequest = internals._doRequest.bind(client)
    internals._doRequest = () => {
      if (track.closeAfter) {
        track.closeAfter = false
        internals._resetConnection()
        return
      }
      // A customer with nothing left to say leaves: when no new dialogue may start, the
      // connection closes instead of spinning; autocannon ends the run once every one has left.
      // With pipelining it first waits for the answers still on the wire.
      const current = track.current
      const nextIsNew = !current || current.record.outcome !== undefined || track.lastStep === 'pay'
      if (nextIsNew && !mayStart()) {
        if (track.waiting.length === 0) internals.destroy()
        return
      }
      doRequest()
    }
  }

  const requests: Request[] = STEPS.map((step) => ({
    method: 'POST',
    path: `/${mode}/${step}`,
    setupRequest: ((request: Request, context: object) => setupRequest(step, request, context)) as unknown as Request['setupRequest'],
    onResponse: (status: number, body: string, _context: object, headers: unknown) => {
      lastAnswer = { status, body, headers: (headers ?? {}) as Headers }
    },
  }))

  return {
    requests,
    setupClient,
    keyPrefix,
    started: () => nextId - 1,
    open: () => openDialogues.size,
    closeOpen() {
      const closed: DialogueRecord[] = []
      for (const dialogue of [...openDialogues]) {
        end(dialogue, { outcome: 'unfinished', status: undefined, reason: 'run_ended' })
        closed.push(dialogue.record)
      }
      return closed
    },
  }
}
