/**
 * `npm run loadtest:lb-compare`: the same keyless customers (no Idempotency-Key, as browsers),
 * the same kill and pause of a clerk, through our proxy, HAProxy and nginx in front of the same
 * clerks, in one run: a table on stdout, an HTML report and a JSON file of every dialogue
 * (dialogues completed / context_lost / failed, p99 of each dialogue's slowest answer, dialogues
 * per second, ledger lost / doubled / charged_unconfirmed, and the exposure to the chaos:
 * lb-compare/exposure.ts). Every load loop is bounded in count and time; traffic stays on loopback.
 */
import '../services/common/supported-node.js'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { MODES, type Mode } from '../services/common/vocabulary.js'
import { readCommandLine, runIfMain } from './args/command-line.js'
import { parseArgv, readTime, readWhole } from './args/readers.js'
import { badOption } from './errors.js'
import { exposureAt, type Exposure } from './lb-compare/exposure.js'
import { keylessLoad, ledgerHead, ordersAfter, reconcileKeyless, type DialogueOutcome, type LoadView } from './lb-compare/keyless-load.js'
import { BALANCERS, startComparedCluster, type BalancerName, type ComparedCluster } from './lb-compare/lb-processes.js'

export const SCHEDULES = ['kill', 'pause'] as const
export type Schedule = (typeof SCHEDULES)[number]

export interface LbCompareOptions {
  readonly help: boolean
  readonly customers: number
  readonly durationMs: number
  readonly balancers: readonly BalancerName[]
  readonly modes: readonly Mode[]
  readonly schedules: readonly Schedule[]
  /** stateful rows: the chaos fires when this many dialogues are open on clerk-b (0: at a third of the run) */
  readonly exposedAtChaos: number
  /** each mode and schedule this many times, the balancers' order turned by one each round */
  readonly rounds: number
  readonly htmlFile: string
  readonly jsonFile: string
}

export interface LbCompareRow {
  /** 1 to --rounds */
  round: number
  balancer: BalancerName
  mode: Mode
  schedule: Schedule
  completed: number
  contextLost: number
  failed: number
  p99Ms: number
  dialoguesPerSec: number
  lost: number
  doubled: number
  chargedUnconfirmed: number
  /** the failed dialogues by step and status (0: no answer), e.g. "pay 504 ×2" */
  failures: string
  /** when the kill or pause fired (ms since the load started) */
  chaosAtMs: number
  /** what fired it: "a third" of the run, or "N open" dialogues on clerk-b ("N open: missed" if never, then at the deadline) */
  chaosTrigger: string
  /** the dialogues open on clerk-b at that moment, and what became of them (exposure.ts) */
  exposure: Exposure
}

/** one row's dialogues, for the JSON report: what the exposure was computed from */
export interface LbCompareRun {
  row: LbCompareRow
  outcomes: DialogueOutcome[]
}

export const lbCompareUsage = `npm run loadtest:lb-compare -- [options]

Keyless customers (no Idempotency-Key), clerk-b SIGKILLed (kill) or SIGSTOPped (pause) at a third
of the run (stateful rows: see --exposed) and brought back a third of the run later, through our
proxy, HAProxy and nginx in front of the same three clerks.

  --customers N        customers at once (default 20)
  --duration 12s       each run (default 12s)
  --balancers LIST     ours,haproxy,nginx (default all three)
  --modes LIST         stateless,shared,stateful (default all)
  --schedules LIST     kill,pause (default both)
  --exposed N          stateful rows: fire the kill or pause at the first moment after a third of
                       the run when N dialogues are open on clerk-b (their ask answered there, not
                       ended), the same N for every balancer (default customers/5; 0: at a third)
  --rounds N           every mode and schedule N times (default 1), the balancers' order turned by
                       one each round; a second table sums the rounds per balancer
  --html FILE          the HTML report (default reports/lb-compare.html)
  --json FILE          every row and its dialogues (default reports/lb-compare.json)
`

function readList<T extends string>(name: string, text: string | undefined, choices: readonly T[]): readonly T[] {
  if (text === undefined) return choices
  const items = text.split(',').map((s) => s.trim())
  const bad = items.find((i) => !(choices as readonly string[]).includes(i))
  if (bad !== undefined || items.length === 0) throw badOption(`--${name} takes a list of ${choices.join(', ')}, got "${text}"`)
  return items as T[]
}

export function parseLbCompareArguments(argv: readonly string[]): LbCompareOptions {
  const values = parseArgv(argv, {
    customers: { type: 'string' },
    duration: { type: 'string' },
    balancers: { type: 'string' },
    modes: { type: 'string' },
    schedules: { type: 'string' },
    exposed: { type: 'string' },
    rounds: { type: 'string' },
    html: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  const durationMs = readTime('duration', values.duration) ?? 12_000 // 12 s, as the issue measured
  if (durationMs < 3_000 || durationMs > 600_000) throw badOption(`--duration must be from 3s to 10m, got ${values.duration}`)
  const customers = readWhole('customers', values.customers, 20, 1, 500)
  return Object.freeze({
    help: values.help ?? false,
    customers,
    durationMs,
    balancers: readList('balancers', values.balancers, BALANCERS),
    modes: readList('modes', values.modes, MODES),
    schedules: readList('schedules', values.schedules, SCHEDULES),
    // a fifth of the customers: about as many as are mid-dialogue on one of three clerks at any moment
    exposedAtChaos: readWhole('exposed', values.exposed, Math.max(1, Math.round(customers / 5)), 0, customers),
    rounds: readWhole('rounds', values.rounds, 1, 1, 20),
    htmlFile: values.html ?? 'reports/lb-compare.html',
    jsonFile: values.json ?? 'reports/lb-compare.json',
  })
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number
}

const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * One row: the schedule through one balancer, then clerk-b brought back and seen again. The chaos
 * fires at a third of the run; in a stateful row with `exposedAtChaos`, at the first moment after
 * that when that many dialogues are open on clerk-b (waiting at most a sixth of the run), so every
 * balancer meets the kill with the same number of dialogues it cannot save. Clerk-b comes back a
 * third of the run after the chaos fired.
 */
async function runRow(
  cluster: ComparedCluster,
  balancer: ComparedCluster['balancers'][number],
  mode: Mode,
  schedule: Schedule,
  round: number,
  options: LbCompareOptions,
): Promise<LbCompareRun> {
  const ledgerClerk = cluster.clerkUrls['clerk-a'] as string
  const head = await ledgerHead(ledgerClerk, cluster.adminToken)
  const third = Math.round(options.durationMs / 3)
  const target = mode === 'stateful' ? options.exposedAtChaos : 0
  let chaosAtMs = -1
  let chaosTrigger = 'a third'
  let killed: Promise<void> = Promise.resolve()
  const chaos = async (view: LoadView) => {
    const fire = () => {
      chaosAtMs = view.now()
      if (schedule === 'kill') killed = cluster.kill('clerk-b')
      else cluster.pause('clerk-b')
    }
    await after(third)
    if (target > 0) {
      const held = await view.when(() => view.openOn('clerk-b') === target, fire, Math.round(options.durationMs / 6))
      chaosTrigger = held ? `${target} open` : `${target} open: missed`
    } else fire()
    await killed
    await after(third)
    if (schedule === 'kill') await cluster.revive('clerk-b')
    else cluster.resume('clerk-b')
  }
  const run = await keylessLoad(balancer.url, mode, { customers: options.customers, durationMs: options.durationMs, maxDialogues: 100_000, chaos })
  await balancer.settled()
  // a resumed clerk finishes what it held before the ledger is read
  await after(500)
  const { lost, doubled, unconfirmed } = reconcileKeyless(run.outcomes, await ordersAfter(ledgerClerk, cluster.adminToken, head))
  const chaosAtMsShown = Math.round(chaosAtMs)
  const row: LbCompareRow = {
    round,
    balancer: balancer.name,
    mode,
    schedule,
    completed: run.count('completed'),
    contextLost: run.count('context_lost'),
    failed: run.count('failed'),
    p99Ms: Math.round(
      percentile(
        run.outcomes.map((o) => o.slowestMs),
        99,
      ),
    ),
    dialoguesPerSec: Math.round((run.outcomes.length / run.elapsedMs) * 1_000),
    lost,
    doubled,
    chargedUnconfirmed: unconfirmed,
    failures: describeFailures(run.outcomes),
    chaosAtMs: chaosAtMsShown,
    chaosTrigger,
    // at the moment the row reports (whole ms), so the JSON's dialogues give the same count
    exposure: exposureAt(run.outcomes, 'clerk-b', chaosAtMsShown),
  }
  return { row, outcomes: run.outcomes }
}

function describeFailures(outcomes: readonly DialogueOutcome[]): string {
  const counts = new Map<string, number>()
  for (const o of outcomes) if (o.end === 'failed') counts.set(`${o.step ?? '?'} ${o.status ?? 0}`, (counts.get(`${o.step ?? '?'} ${o.status ?? 0}`) ?? 0) + 1)
  return [...counts].map(([what, n]) => `${what} ×${n}`).join(', ')
}

const COLUMNS: [string, (r: LbCompareRow) => string | number][] = [
  ['round', (r) => r.round],
  ['mode', (r) => r.mode],
  ['chaos', (r) => r.schedule],
  ['balancer', (r) => r.balancer],
  ['completed', (r) => r.completed],
  ['context_lost', (r) => r.contextLost],
  ['failed', (r) => r.failed],
  ['p99 ms', (r) => r.p99Ms],
  ['dialogues/s', (r) => r.dialoguesPerSec],
  ['lost', (r) => r.lost],
  ['doubled', (r) => r.doubled],
  ['charged_unconfirmed', (r) => r.chargedUnconfirmed],
  ['chaos at', (r) => `${(r.chaosAtMs / 1_000).toFixed(2)} s (${r.chaosTrigger})`],
  ['exposed', (r) => r.exposure.exposed],
  ['lost of exposed', (r) => r.exposure.lostOfExposed],
  ['other lost', (r) => r.exposure.otherLost],
  ['exposed at ask / buy / pay', (r) => `${r.exposure.inStep.ask} / ${r.exposure.inStep.buy} / ${r.exposure.inStep.pay}`],
  ['saved by receipt', (r) => r.exposure.savedByReceipt],
  ['failures', (r) => r.failures],
]

/** one mode, schedule and balancer over every round: the counts added up */
export interface LbCompareSum {
  mode: Mode
  schedule: Schedule
  balancer: BalancerName
  rounds: number
  completed: number
  contextLost: number
  failed: number
  exposed: number
  lostOfExposed: number
  otherLost: number
  chargedUnconfirmed: number
  lost: number
  doubled: number
}

/** the rounds of each mode, schedule and balancer added up, in the order they first ran */
export function sumRounds(rows: readonly LbCompareRow[]): LbCompareSum[] {
  const sums = new Map<string, LbCompareSum>()
  for (const r of rows) {
    const key = `${r.mode} ${r.schedule} ${r.balancer}`
    const sum = sums.get(key) ?? {
      mode: r.mode,
      schedule: r.schedule,
      balancer: r.balancer,
      rounds: 0,
      completed: 0,
      contextLost: 0,
      failed: 0,
      exposed: 0,
      lostOfExposed: 0,
      otherLost: 0,
      chargedUnconfirmed: 0,
      lost: 0,
      doubled: 0,
    }
    sum.rounds++
    sum.completed += r.completed
    sum.contextLost += r.contextLost
    sum.failed += r.failed
    sum.exposed += r.exposure.exposed
    sum.lostOfExposed += r.exposure.lostOfExposed
    sum.otherLost += r.exposure.otherLost
    sum.chargedUnconfirmed += r.chargedUnconfirmed
    sum.lost += r.lost
    sum.doubled += r.doubled
    sums.set(key, sum)
  }
  return [...sums.values()]
}

const SUM_COLUMNS: [string, (s: LbCompareSum) => string | number][] = [
  ['mode', (s) => s.mode],
  ['chaos', (s) => s.schedule],
  ['balancer', (s) => s.balancer],
  ['rounds', (s) => s.rounds],
  ['completed', (s) => s.completed],
  ['context_lost', (s) => s.contextLost],
  ['failed', (s) => s.failed],
  ['exposed', (s) => s.exposed],
  ['lost of exposed', (s) => `${s.lostOfExposed}${s.exposed > 0 ? ` (${Math.round((100 * s.lostOfExposed) / s.exposed)} %)` : ''}`],
  ['other lost', (s) => s.otherLost],
  ['charged_unconfirmed', (s) => s.chargedUnconfirmed],
  ['lost', (s) => s.lost],
  ['doubled', (s) => s.doubled],
]

function markdownTable<T>(columns: readonly [string, (x: T) => string | number][], items: readonly T[]): string {
  const lines = [`| ${columns.map(([h]) => h).join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`]
  for (const x of items) lines.push(`| ${columns.map(([, f]) => String(f(x))).join(' | ')} |`)
  return lines.join('\n') + '\n'
}

/** every row; with more than one round, then the rounds added up per balancer */
export function renderLbCompareTable(rows: readonly LbCompareRow[]): string {
  const rounds = Math.max(...rows.map((r) => r.round))
  const table = markdownTable(COLUMNS, rows)
  return rounds > 1 ? `${table}\nSummed over ${rounds} rounds:\n\n${markdownTable(SUM_COLUMNS, sumRounds(rows))}` : table
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string)

export function renderLbCompareHtml(rows: readonly LbCompareRow[], options: LbCompareOptions, loadavg: string): string {
  const head = COLUMNS.map(([h]) => `<th>${escapeHtml(h)}</th>`).join('')
  const body = rows.map((r) => `<tr class="${r.failed > 0 ? 'bad' : ''}">${COLUMNS.map(([, f]) => `<td>${escapeHtml(String(f(r)))}</td>`).join('')}</tr>`).join('\n')
  const sums =
    options.rounds > 1
      ? `<h2>Summed over ${options.rounds} rounds</h2>
<table><thead><tr>${SUM_COLUMNS.map(([h]) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>
${sumRounds(rows)
  .map((s) => `<tr class="${s.failed > 0 ? 'bad' : ''}">${SUM_COLUMNS.map(([, f]) => `<td>${escapeHtml(String(f(s)))}</td>`).join('')}</tr>`)
  .join('\n')}
</tbody></table>`
      : ''
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>clerk-cluster: our proxy, HAProxy and nginx under the same chaos</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
td:nth-child(-n+3),th{text-align:left}tr.bad td{background:#fde8e8}</style></head><body>
<h1>Keyless customers, a clerk killed or paused: three load balancers</h1>
<p>${options.customers} customers without Idempotency-Key, ${options.durationMs / 1000} s per row; clerk-b SIGKILLed (kill) or SIGSTOPped (pause) at a third of the run${options.exposedAtChaos > 0 ? ` (stateful rows: at the first moment after that when ${options.exposedAtChaos} dialogues are open on clerk-b, the same for every balancer)` : ''} and brought back a third of the run later. Load average: ${escapeHtml(loadavg)}.</p>
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>
${sums}
<p>p99: of each dialogue's slowest answer. lost: orders a customer was told about that the ledger lacks; doubled: dialogues charged twice; charged_unconfirmed: orders no customer heard of (charged, and told an error).
exposed: dialogues open on clerk-b when it was killed or paused (its ask answered there, not ended); a stateful one can only be finished by a pay clerk-b already charged or answered. lost of exposed: those that ended in context_lost or failed; other lost: every other dialogue that did not complete, the balancer's own losses. In stateful kill rows, compare lost of exposed with other lost at 0: how many dialogues were exposed is the moment's, not the balancer's.
nginx (open source) cannot insert a sticky cookie nor check /readyz: its stateful row shows that.</p>
</body></html>
`
}

export async function main(argv: readonly string[]): Promise<number> {
  const options = readCommandLine('loadtest:lb-compare', argv, parseLbCompareArguments, lbCompareUsage)
  if (typeof options === 'number') return options
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  process.stderr.write(`starting redis, 3 clerks, ${options.balancers.join(', ')} … (load average ${loadBefore})\n`)
  const cluster = await startComparedCluster(options.balancers)
  const runs: LbCompareRun[] = []
  try {
    for (const mode of options.modes) {
      for (const schedule of options.schedules) {
        for (let round = 1; round <= options.rounds; round++) {
          // each round starts with the next balancer: none always meets the clerks first
          const n = cluster.balancers.length
          const order = cluster.balancers.map((_, i) => cluster.balancers[(i + round - 1) % n]!)
          for (const balancer of order) {
            process.stderr.write(`${mode} ${schedule} through ${balancer.name}${options.rounds > 1 ? `, round ${round}` : ''} …\n`)
            runs.push(await runRow(cluster, balancer, mode, schedule, round, options))
          }
        }
      }
    }
  } finally {
    await cluster.stop()
  }
  const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  const rows = runs.map((r) => r.row)
  process.stdout.write('\n' + renderLbCompareTable(rows))
  process.stdout.write(`load average before ${loadBefore}, after ${loadAfter}\n`)
  mkdirSync(dirname(options.htmlFile), { recursive: true })
  writeFileSync(options.htmlFile, renderLbCompareHtml(rows, options, `${loadBefore} before, ${loadAfter} after`))
  process.stdout.write(`HTML report: ${options.htmlFile}\n`)
  mkdirSync(dirname(options.jsonFile), { recursive: true })
  writeFileSync(options.jsonFile, JSON.stringify({ options, loadavg: { before: loadBefore, after: loadAfter }, runs }) + '\n')
  process.stdout.write(`every dialogue: ${options.jsonFile}\n`)
  return 0
}

runIfMain(import.meta.url, 'loadtest:lb-compare', main)
