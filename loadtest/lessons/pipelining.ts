/**
 * `npm run lesson:pipelining`: head-of-line blocking, measured. HTTP/1.1 pipelining sends several
 * requests on one connection without waiting, but the answers must come back in the order the
 * requests went out: one slow answer holds back every answer behind it, however fast those were
 * ready. The lesson slows one clerk, then sends batches of stateless asks (the proxy spreads them
 * round-robin over the clerks) twice: all on ONE pipelined connection, and each on its own
 * connection (no pipelining), and prints the latency of each position in the batch.
 *
 * Starts a private cluster (`npm start`'s, 3 clerks) unless --target names a running one (then
 * ADMIN_TOKEN must be set to slow a clerk).
 *
 * @example
 *   npm run lesson:pipelining
 *   npm run lesson:pipelining -- --depth 8 --batches 20 --slow-ms 300
 *   npm run lesson:pipelining -- --target http://127.0.0.1:8080 --out reports/workshop/13-pipelining.json
 */
import { Client, Pool } from 'undici'
import { HELP_OPTION, parseArgv, readUrlOption, readWhole } from '../args/readers.js'
import { readCommandLine, runIfMain } from '../args/command-line.js'
import { latencyStats } from '../analyze/summarize.js'
import { writeMakingFolders } from '../report/files.js'
import { openCluster } from '../run/open-cluster.js'

/** one batch: per position, ms from sending the whole batch to that answer's last byte */
export type Batch = number[]

/** how `depth` asks travel: all on one pipelined connection, or one connection each */
export type Transport = 'pipelined' | 'separate'

const ASK = { method: 'POST' as const, path: '/stateless/ask', headers: { 'content-type': 'application/json' }, body: '{"product":"laptop"}' }

/** sends `depth` asks at once and times each answer */
export async function sendBatch(dispatcher: Client | Pool, depth: number): Promise<Batch> {
  const started = performance.now()
  return Promise.all(
    Array.from({ length: depth }, async () => {
      const res = await dispatcher.request({ ...ASK, headersTimeout: 30_000, bodyTimeout: 30_000 })
      await res.body.text()
      if (res.statusCode !== 200) throw new Error(`ask answered ${res.statusCode}`)
      return performance.now() - started
    }),
  )
}

export async function measureBatches(target: string, transport: Transport, depth: number, batches: number): Promise<Batch[]> {
  // pipelined: one socket, `depth` requests on it at once; separate: `depth` sockets, one request each
  const dispatcher = transport === 'pipelined' ? new Client(target, { pipelining: depth }) : new Pool(target, { connections: depth, pipelining: 1 })
  try {
    await sendBatch(dispatcher, depth) // opens the connection(s): the first batch is not timed
    const out: Batch[] = []
    for (let i = 0; i < batches; i++) out.push(await sendBatch(dispatcher, depth))
    return out
  } finally {
    await dispatcher.close()
  }
}

export interface HeadOfLine {
  transport: Transport
  /** median latency per position, ms */
  byPosition: number[]
  /**
   * per batch, the first answer that took at least the clerk's delay (it met the slowed clerk) and
   * the answers sent after it: how long those took, and how many came back before it did
   */
  behindSlow: { answers: number; meanMs: number; slowMeanMs: number; fasterThanIt: number }
}

/** pure: batches → per-position medians and what the answers behind the first slow one waited */
export function headOfLine(transport: Transport, batches: readonly Batch[], slowMs: number): HeadOfLine {
  const depth = Math.max(0, ...batches.map((b) => b.length))
  const byPosition = Array.from({ length: depth }, (_, i) => latencyStats(batches.flatMap((b) => (b[i] === undefined ? [] : [b[i]]))).p50)
  let behind = 0
  let behindSum = 0
  let slowSum = 0
  let slowCount = 0
  let fasterThanIt = 0
  for (const batch of batches) {
    const first = batch.findIndex((ms) => ms >= slowMs)
    if (first < 0) continue
    const slow = batch[first] ?? 0
    slowSum += slow
    slowCount++
    for (const ms of batch.slice(first + 1)) {
      behind++
      behindSum += ms
      if (ms < slow) fasterThanIt++
    }
  }
  const round = (n: number) => Math.round(n * 10) / 10
  return {
    transport,
    byPosition: byPosition.map(round),
    behindSlow: { answers: behind, meanMs: round(behind === 0 ? 0 : behindSum / behind), slowMeanMs: round(slowCount === 0 ? 0 : slowSum / slowCount), fasterThanIt },
  }
}

export function renderHeadOfLine(rows: readonly HeadOfLine[], slowMs: number, slowClerk: string): string {
  const depth = Math.max(0, ...rows.map((r) => r.byPosition.length))
  const lines = [`Head-of-line blocking: batches of ${depth} asks, ${slowClerk} slowed by ${slowMs} ms, the others fast (median ms per position in the batch)`]
  lines.push(['transport'.padEnd(11), ...Array.from({ length: depth }, (_, i) => `#${i + 1}`.padStart(7))].join(''))
  for (const r of rows) lines.push([r.transport.padEnd(11), ...r.byPosition.map((ms) => String(ms).padStart(7))].join(''))
  for (const r of rows) {
    lines.push(
      `${r.transport}: ${r.behindSlow.answers} answers were sent behind the first slow one of their batch (${r.behindSlow.slowMeanMs} ms on average); ` +
        `they took ${r.behindSlow.meanMs} ms on average, and ${r.behindSlow.fasterThanIt} came back before it`,
    )
  }
  lines.push('Pipelined answers leave in order: a fast answer behind a slow one waits for it. Separate connections let it pass.')
  return lines.join('\n') + '\n'
}

interface PipeliningOptions {
  readonly target: string | undefined
  readonly depth: number
  readonly batches: number
  readonly slowMs: number
  readonly json: boolean
  /** also write the JSON result to this file (the workshop's self-check reads it) */
  readonly out: string | undefined
  readonly help?: boolean
}

const USAGE = `npm run lesson:pipelining -- [options]

Head-of-line blocking: one clerk slowed, batches of stateless asks sent on one pipelined
connection and on separate connections; the latency of each position in the batch.

  --target URL       a running cluster's proxy (needs ADMIN_TOKEN; default: start a private one)
  --depth N          asks per batch = pipelining depth (default 6)
  --batches N        timed batches per transport (default 15)
  --slow-ms MS       how much the slowed clerk waits per answer (default 200)
  --json             print the result as JSON
  --out FILE         also write the JSON result to FILE: what the workshop's self-check reads
  -h, --help         this text
`

export function parsePipeliningArguments(argv: readonly string[]): PipeliningOptions {
  const values = parseArgv(argv, {
    target: { type: 'string' },
    depth: { type: 'string' },
    batches: { type: 'string' },
    'slow-ms': { type: 'string' },
    json: { type: 'boolean' },
    out: { type: 'string' },
    ...HELP_OPTION,
  })
  return {
    target: readUrlOption('target', values.target),
    depth: readWhole('depth', values.depth, 6, 2, 64),
    batches: readWhole('batches', values.batches, 15, 1, 1000),
    slowMs: readWhole('slow-ms', values['slow-ms'], 200, 1, 10_000), // ms
    json: values.json ?? false,
    out: values.out,
    ...(values.help ? { help: true } : {}),
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const options = readCommandLine('lesson:pipelining', argv, parsePipeliningArguments, USAGE)
  if (typeof options === 'number') return options
  const cluster = await openCluster({ target: options.target, clerks: 3 })
  const slowClerk = (await cluster.api.status()).clerks[0]?.id ?? 'clerk-a'
  try {
    await cluster.chaos.act('slow', slowClerk, options.slowMs)
    const rows: HeadOfLine[] = []
    for (const transport of ['pipelined', 'separate'] as const) {
      rows.push(headOfLine(transport, await measureBatches(cluster.proxyUrl, transport, options.depth, options.batches), options.slowMs))
    }
    const result = JSON.stringify({ slowClerk, slowMs: options.slowMs, depth: options.depth, batches: options.batches, rows }, null, 2) + '\n'
    process.stdout.write(options.json ? result : renderHeadOfLine(rows, options.slowMs, slowClerk))
    if (options.out !== undefined) {
      writeMakingFolders(options.out, result)
      if (!options.json) process.stdout.write(`JSON: ${options.out}\n`)
    }
    return 0
  } finally {
    await cluster.chaos.act('slow', slowClerk, 0).catch(() => undefined)
    await cluster.close()
  }
}

runIfMain(import.meta.url, 'lesson:pipelining', main)
