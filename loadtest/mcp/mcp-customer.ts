import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { Mode, Step } from '../../services/common/vocabulary.js'
import { newDialogueRecord, type DialogueRecord } from '../run/customer.js'

/** How one MCP dialogue (ask_price → buy → pay) ended. */
export type McpOutcome = 'completed' | 'session_lost' | 'failed'

export interface McpTally {
  completed: number
  session_lost: number
  failed: number
  /** pays whose stream was cut and resumed (the client saw the cut, and the pay still completed) */
  resumed: number
  /** completed pays whose progress events were not exactly 1, 2, 3 (one lost or repeated) */
  progress_bad: number
  /** the orders the completed dialogues were told of */
  orders: { id: string; dialogueId: string }[]
  /** why dialogues failed: the error's first words, counted */
  reasons: Record<string, number>
  /** tool calls sent, and of those the ones that got no result (cut, timed out, 404) */
  calls: number
  callsFailed: number
}

export function emptyTally(): McpTally {
  return { completed: 0, session_lost: 0, failed: 0, resumed: 0, progress_bad: 0, orders: [], reasons: {}, calls: 0, callsFailed: 0 }
}

/**
 * Where a customer's dialogues go. `mayStart` is asked before each dialogue (false: the run's
 * bound is reached, the customer stops); `onDialogue` gets each dialogue's record as the HTTP load
 * test keeps it (run/customer.ts), session_lost recorded as the outcome `context_lost` with the
 * reason `session_lost` (the server forgot the dialogue: HTTP's 409 and MCP's 404 are one lesson).
 */
export interface McpRunHooks {
  mayStart(): boolean
  onDialogue?(record: DialogueRecord): void
}

const MCP_STEPS: Record<string, Step> = { ask_price: 'ask', buy: 'buy', pay: 'pay' }
let nextDialogueId = 1

const CALL_TIMEOUT_MS = 5_000 // 5 s without an answer or a progress event: the call failed

class SessionLost extends Error {}

/**
 * One MCP customer: the SDK's own Client over Streamable HTTP, playing whole dialogues until
 * `until`. A 404 "Session not found" (or a tool's context_lost) ends the dialogue as session_lost
 * and the customer initializes a new session. A call that fails otherwise (its stream was cut and
 * could not be resumed) is tried once more where the design allows it (stateless: the same
 * context; shared: the same session: pay is idempotent per dialogue), else the dialogue failed.
 */
export async function runMcpCustomer(baseUrl: string, mode: Mode, until: number | McpRunHooks, tally: McpTally): Promise<void> {
  const hooks: McpRunHooks = typeof until === 'number' ? { mayStart: () => Date.now() < until } : until
  let session: Session | undefined
  while (hooks.mayStart()) {
    const record = newRecord(mode)
    try {
      session ??= await Session.open(`${baseUrl}/${mode}/mcp`)
      const outcome = await dialogue(session, mode, tally, record)
      tally[outcome]++
      if (outcome !== 'completed') {
        await session.close()
        session = undefined
      }
      endRecord(record, outcome)
    } catch (err) {
      // initialize itself failed (no clerk for a moment): counts as a failed dialogue
      tally.failed++
      const reason = `initialize: ${(err as Error).message}`
      note(tally, reason)
      record.reason ??= reason.slice(0, 80)
      endRecord(record, 'failed')
      await session?.close()
      session = undefined
    }
    hooks.onDialogue?.(record)
  }
  await session?.close()
}

function newRecord(mode: Mode): DialogueRecord {
  const id = nextDialogueId++
  // MCP's pay sends no Idempotency-Key: the ledger is reconciled by order id
  return newDialogueRecord(id, mode, `mcp-${id}`, Date.now())
}

function endRecord(record: DialogueRecord, outcome: McpOutcome): void {
  record.endedAt = Date.now()
  record.outcome = outcome === 'session_lost' ? 'context_lost' : outcome
  if (outcome === 'session_lost') record.reason = 'session_lost'
  record.status = outcome === 'completed' ? 200 : outcome === 'session_lost' ? 404 : 0
}

class Session {
  cuts = 0
  private constructor(
    readonly client: Client,
    private readonly transport: StreamableHTTPClientTransport,
  ) {}

  static async open(url: string): Promise<Session> {
    const client = new Client({ name: 'clerk-cluster-loadtest', version: '1.0.0' })
    const transport = new StreamableHTTPClientTransport(new URL(url))
    const session = new Session(client, transport)
    client.onerror = (err) => {
      if (/SSE stream disconnected/.test(err.message)) session.cuts++
    }
    await client.connect(transport)
    return session
  }

  async call(name: string, args: Record<string, unknown>, progress?: number[]): Promise<Record<string, unknown>> {
    let result: CallToolResult
    try {
      result = (await this.client.callTool({ name, arguments: args }, undefined, {
        timeout: CALL_TIMEOUT_MS,
        resetTimeoutOnProgress: true,
        onprogress: (p) => progress?.push(p.progress),
      })) as CallToolResult
    } catch (err) {
      if (/404|Session not found/.test((err as Error).message)) throw new SessionLost()
      throw err
    }
    const structured = (result.structuredContent ?? {}) as Record<string, unknown>
    if (result.isError && structured.error === 'context_lost') throw new SessionLost()
    if (result.isError) throw new Error(String(structured.message))
    return structured
  }

  /** true when the server no longer knows this session (404) */
  async isGone(): Promise<boolean> {
    try {
      await this.client.listTools(undefined, { timeout: CALL_TIMEOUT_MS })
      return false
    } catch (err) {
      return /404|Session not found/.test((err as Error).message)
    }
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => {})
  }
}

async function dialogue(session: Session, mode: Mode, tally: McpTally, record: DialogueRecord): Promise<McpOutcome> {
  const retryable = mode !== 'stateful'
  const step = async (name: string, args: Record<string, unknown>, progress?: number[]) => {
    const at = MCP_STEPS[name]!
    record.step = at
    const sentAt = performance.now()
    const call = async () => {
      tally.calls++
      try {
        return await session.call(name, args, progress)
      } catch (err) {
        tally.callsFailed++
        throw err
      }
    }
    let result: Record<string, unknown>
    try {
      result = await call()
    } catch (err) {
      if (err instanceof SessionLost || !retryable) throw err
      progress?.splice(0)
      result = await call()
    }
    record.latencyMs[at] = Math.round(performance.now() - sentAt)
    if (typeof result.clerk === 'string') record.clerks[at] = result.clerk
    return result
  }
  try {
    const asked = await step('ask_price', { product: 'laptop' })
    const bought = await step('buy', { quantity: 2, ...(mode === 'stateless' && { context: asked.context }) })
    const cutsBefore = session.cuts
    const progress: number[] = []
    const paid = await step('pay', { method: 'card', ...(mode === 'stateless' && { context: bought.context }) }, progress)
    const order = paid.order as { id: string; dialogueId: string; total?: number }
    tally.orders.push({ id: order.id, dialogueId: order.dialogueId })
    record.orderId = order.id
    record.total = order.total
    if (session.cuts > cutsBefore) tally.resumed++
    if (progress.join(',') !== '1,2,3') tally.progress_bad++
    return 'completed'
  } catch (err) {
    if (err instanceof SessionLost) return 'session_lost'
    // a stateful call cut with its clerk: the session went with it (the next request says 404)
    if (mode === 'stateful' && (await session.isGone())) return 'session_lost'
    note(tally, (err as Error).message)
    record.reason = (err as Error).message.slice(0, 80)
    return 'failed'
  }
}

function note(tally: McpTally, message: string): void {
  const reason = message.slice(0, 80)
  tally.reasons[reason] = (tally.reasons[reason] ?? 0) + 1
}
