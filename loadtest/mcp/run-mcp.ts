import '../../services/common/supported-node.js'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { createChaosClient } from '../../services/cluster/chaos-client.js'
import { MODES, isMode, type Mode } from '../../services/common/vocabulary.js'
import { startLocalCluster } from '../run/local-cluster.js'
import { emptyTally, runMcpCustomer, type McpTally } from './mcp-customer.js'

/**
 * `npm run loadtest:mcp -- [--mode stateful|stateless|shared|all] [--customers N] [--seconds S] [--no-chaos]`
 *
 * MCP customers (the SDK's own Client over Streamable HTTP) play whole dialogues through the proxy
 * of a private cluster (3 clerks, stateful pinned by the `mcp-session` affinity) while clerk-b is
 * SIGKILLed at 1/3 of each row and revived at 2/3, as the HTTP matrix does. Each row counts how
 * the dialogues ended and reconciles the orders with the ledger. Bounded in time and count.
 */
const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'all' },
    customers: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '9' },
    'no-chaos': { type: 'boolean', default: false },
  },
})
const modes: Mode[] = values.mode === 'all' ? [...MODES] : isMode(values.mode) ? [values.mode] : fail(`--mode must be one of ${MODES.join(', ')} or all`)
const customers = Math.min(200, Math.max(1, Number(values.customers) || 10))
const seconds = Math.min(120, Math.max(3, Number(values.seconds) || 9))

function fail(message: string): never {
  process.stderr.write(`loadtest:mcp: ${message}\n`)
  process.exit(2)
}

interface Row extends McpTally {
  mode: Mode
  ledgerLost: number
  doubled: number
}

const cluster = await startLocalCluster({ clerkCount: 3, env: { PROXY_POLICY_STATEFUL: 'mcp-session+round-robin' } })
const load = (await import('node:os')).loadavg()
process.stdout.write(
  `MCP load: ${customers} customers × ${seconds} s per mode, ${values['no-chaos'] ? 'no chaos' : 'clerk-b SIGKILLed at 1/3, revived at 2/3'}; load average ${load.map((l) => l.toFixed(1)).join(' ')}\n`,
)
const rows: Row[] = []
try {
  const chaos = createChaosClient({ proxyUrl: cluster.proxyUrl, adminToken: cluster.adminToken })
  for (const mode of modes) {
    const tally = emptyTally()
    const until = Date.now() + seconds * 1000
    const running = Array.from({ length: customers }, () => runMcpCustomer(cluster.proxyUrl, mode, until, tally))
    if (!values['no-chaos']) {
      await sleep((seconds * 1000) / 3)
      await chaos.act('kill', 'clerk-b')
      await sleep((seconds * 1000) / 3)
      await chaos.act('revive', 'clerk-b')
    }
    await Promise.all(running)
    rows.push({ mode, ...tally, ...(await reconcile(tally)) })
    await waitHealthy()
  }
} finally {
  await cluster.stop()
}
printRows(rows)
process.stdout.write(
  `load average after: ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}\n`,
)

/** every order a customer was told of is in the ledger, and no dialogue has two */
async function reconcile(tally: McpTally): Promise<{ ledgerLost: number; doubled: number }> {
  const byDialogue = new Map<string, number>()
  const ids = new Set<string>()
  let after = 0
  for (let page = 0; page < 10_000; page++) {
    const res = await fetch(`${cluster.proxyUrl}/orders?after=${after}&limit=1000`, { headers: { authorization: `Bearer ${cluster.adminToken}` } })
    const body = (await res.json()) as { orders: { id: string; dialogueId: string; seq: number }[]; next: number | null }
    for (const o of body.orders) {
      ids.add(o.id)
      byDialogue.set(o.dialogueId, (byDialogue.get(o.dialogueId) ?? 0) + 1)
    }
    if (body.next === null) break
    after = body.next
  }
  const mine = new Set(tally.orders.map((o) => o.dialogueId))
  return {
    ledgerLost: tally.orders.filter((o) => !ids.has(o.id)).length,
    doubled: [...mine].filter((d) => (byDialogue.get(d) ?? 0) > 1).length,
  }
}

async function waitHealthy(): Promise<void> {
  const deadline = Date.now() + 60_000 // 1 min
  while (Date.now() < deadline) {
    const status = (await (await fetch(`${cluster.proxyUrl}/_lb/status`)).json()) as { clerks: { healthy: boolean }[] }
    if (status.clerks.every((c) => c.healthy)) return
    await sleep(100)
  }
}

function printRows(list: Row[]): void {
  const header = '| MCP design | dialogues | completed | session_lost | failed | lost % | cut pays recovered | progress not 1,2,3 | ledger lost | doubled |'
  const lines = [header, '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |']
  for (const r of list) {
    const total = r.completed + r.session_lost + r.failed
    const lost = total === 0 ? 0 : ((r.session_lost + r.failed) / total) * 100
    lines.push(
      `| ${r.mode} | ${total} | ${r.completed} | ${r.session_lost} | ${r.failed} | ${lost.toFixed(1)}% | ${r.resumed} | ${r.progress_bad} | ${r.ledgerLost} | ${r.doubled} |`,
    )
  }
  process.stdout.write(`${lines.join('\n')}\n`)
  for (const r of list) for (const [reason, n] of Object.entries(r.reasons)) process.stdout.write(`  ${r.mode} failed ${n}×: ${reason}\n`)
}
