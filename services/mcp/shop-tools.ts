import { randomUUID } from 'node:crypto'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { ask, buy, pay } from '../clerk/dialogue.js'
import { failureError } from '../clerk/errors.js'
import type { ClerkRuntime } from '../clerk/runtime.js'
import type { McpCarrier } from './mcp-carrier.js'
import { payWithProgress, type PayJournal, type ProgressSink } from './pay-progress.js'
import { answer, toolError } from './tool-results.js'

/** What the tools of one request or session need besides the carrier. */
export interface ShopToolsContext {
  runtime: ClerkRuntime
  carrier: McpCarrier
  /** shared mode: writes the pay's progress where another clerk can carry it on (shared-mcp.ts) */
  journal?: PayJournal
}

// The stateless mode's tools take the context token the previous result returned.
const CONTEXT = z.string().max(2048).optional().describe('stateless only: the context token the previous tool result returned')

/**
 * The shop's three tools on an MCP server, over the same pure dialogue as the HTTP routes
 * (services/clerk/dialogue.ts): ask_price, buy, pay. A tool that the dialogue refuses returns a
 * tool error (isError, with the HTTP API's error name in structuredContent), never a crash.
 *
 * @example
 *   registerShopTools(server, { runtime, carrier: statelessMcpCarrier(runtime.options) })
 */
export function registerShopTools(server: McpServer, context: ShopToolsContext): void {
  const { runtime, carrier } = context
  const stateless = carrier.mode === 'stateless'
  const withContext = <T extends z.ZodRawShape>(shape: T) => (stateless ? { ...shape, context: CONTEXT } : shape)
  const run = (fn: () => Promise<CallToolResult>) => runtime.gate.run(() => fn().catch(toolError))

  server.registerTool(
    'ask_price',
    { title: 'Ask the price', description: 'The price of one: "How much is this laptop?" Starts a new dialogue.', inputSchema: withContext({ product: z.string().max(100) }) },
    (args) =>
      run(async () => {
        const loaded = await carrier.load(args)
        const result = ask(loaded.state, { product: args.product }, randomUUID())
        if (!result.ok) throw failureError(result.failure, loaded.lostReason)
        return answer(runtime, carrier, result.reply, await carrier.save(result.state))
      }),
  )
  server.registerTool(
    'buy',
    { title: 'Buy', description: '"I\'ll buy 2": the total for a quantity of the product asked about.', inputSchema: withContext({ quantity: z.number() }) },
    (args) =>
      run(async () => {
        const loaded = await carrier.load(args)
        const result = buy(loaded.state, { quantity: args.quantity })
        if (!result.ok) throw failureError(result.failure, loaded.lostReason)
        return answer(runtime, carrier, result.reply, await carrier.save(result.state))
      }),
  )
  server.registerTool(
    'pay',
    {
      title: 'Pay',
      description: 'Pays by "card" or "cash": writes one order to the ledger, streaming its progress (charging, charged, receipt).',
      inputSchema: withContext({ method: z.string().max(20) }),
    },
    (args, extra) =>
      run(async () => {
        const loaded = await carrier.load(args)
        const charge = pay(loaded.state, { method: args.method })
        if (!charge.ok) throw failureError(charge.failure, loaded.lostReason)
        const token = extra._meta?.progressToken
        const progress: ProgressSink | undefined =
          token === undefined
            ? undefined
            : (progress, total, message) => extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total, message } })
        return payWithProgress({
          runtime,
          carrier,
          charge: charge.charge,
          progress,
          told: 0,
          ...(context.journal && { journal: context.journal, job: { requestId: extra.requestId, progressToken: token } }),
        })
      }),
  )
}
