/**
 * `npm run lesson:carried-state`: what carrying the dialogue's state costs on the wire, per mode,
 * and what happens to a customer who refuses cookies. Stateful and shared send a small session id
 * (a cookie) each way; stateless sends the whole signed context (a token) back and forth with
 * every step. Runs whole dialogues (ask → buy → pay) one after another, each a new customer on one
 * kept-alive connection, and counts every byte of requests and answers (headers, bodies, cookies,
 * tokens) as the socket counts them.
 *
 * Starts a private cluster (`npm start`'s) unless --target names a running one.
 *
 * @example
 *   npm run lesson:carried-state
 *   npm run lesson:carried-state -- --target http://127.0.0.1:8080 --dialogues 50
 *   npm run lesson:carried-state -- --out reports/workshop/9-carried-state.json
 */
import { MODES, STEPS, type Mode, type Step } from '../../services/common/vocabulary.js'
import { HELP_OPTION, parseArgv, readUrlOption, readWhole } from '../args/readers.js'
import { readCommandLine, runIfMain } from '../args/command-line.js'
import { startLocalCluster } from '../run/local-cluster.js'
import { WireCustomer, type WireAnswer } from './wire-customer.js'
import { writeMakingFolders } from '../report/files.js'

export interface CarriedStateRow {
  readonly mode: Mode
  readonly cookies: boolean
  readonly dialogues: number
  readonly completed: number
  /** the first failure seen: `<step> <status> <error>` */
  readonly failure: string | undefined
  /** mean bytes per dialogue, customer → proxy and back */
  readonly sentPerDialogue: number
  readonly receivedPerDialogue: number
}

/** `<step> <status> <error> (<reason>)`, from a clerk's or the proxy's error answer */
function describeFailure(step: string, answer: WireAnswer): string {
  const { error, reason } = answer.json
  return `${step} ${answer.status} ${typeof error === 'string' ? error : 'error'}${typeof reason === 'string' ? ` (${reason})` : ''}`
}

/** one dialogue's steps in a mode: the body of each, built from the previous answer */
function stepBody(mode: Mode, step: Step, previous: WireAnswer | undefined): Record<string, unknown> {
  const context = mode === 'stateless' && previous !== undefined ? { context: previous.json.context } : {}
  if (step === 'ask') return { product: 'laptop' }
  if (step === 'buy') return { ...context, quantity: 2 }
  return { ...context, method: 'card' }
}

export async function measureCarriedState(target: string, mode: Mode, cookies: boolean, dialogues: number): Promise<CarriedStateRow> {
  let completed = 0
  let failure: string | undefined
  let sent = 0
  let received = 0
  for (let i = 0; i < dialogues; i++) {
    const customer = new WireCustomer(target, { cookies, keepAlive: true })
    try {
      let previous: WireAnswer | undefined
      let ok = true
      for (const step of STEPS) {
        const answer = await customer.post(`/${mode}/${step}`, stepBody(mode, step, previous))
        if (answer.status !== 200) {
          failure ??= describeFailure(step, answer)
          ok = false
          break
        }
        previous = answer
      }
      if (ok) completed++
    } finally {
      await customer.close()
    }
    const bytes = customer.bytes()
    sent += bytes.sent
    received += bytes.received
  }
  return { mode, cookies, dialogues, completed, failure, sentPerDialogue: Math.round(sent / dialogues), receivedPerDialogue: Math.round(received / dialogues) }
}

export function renderCarriedState(rows: readonly CarriedStateRow[]): string {
  const lines = ['Bytes on the wire per dialogue (ask → buy → pay), one kept-alive connection per customer']
  lines.push(`${'mode'.padEnd(10)}${'cookies'.padEnd(9)}${'completed'.padStart(10)}${'sent B'.padStart(9)}${'received B'.padStart(12)}${'total B'.padStart(9)}  first failure`)
  for (const r of rows) {
    lines.push(
      `${r.mode.padEnd(10)}${(r.cookies ? 'on' : 'off').padEnd(9)}${`${r.completed}/${r.dialogues}`.padStart(10)}${String(r.sentPerDialogue).padStart(9)}` +
        `${String(r.receivedPerDialogue).padStart(12)}${String(r.sentPerDialogue + r.receivedPerDialogue).padStart(9)}  ${r.failure ?? '-'}`,
    )
  }
  return lines.join('\n') + '\n'
}

interface CarriedStateOptions {
  readonly target: string | undefined
  readonly dialogues: number
  readonly json: boolean
  /** also write the rows, as --json prints them, to this file (the workshop's self-check reads it) */
  readonly out: string | undefined
  readonly help?: boolean
}

const USAGE = `npm run lesson:carried-state -- [options]

Bytes per dialogue in each mode (stateful, stateless, shared), with cookies on and off.

  --target URL       a running cluster's proxy (default: start a private one)
  --dialogues N      dialogues per mode and cookie setting (default 20)
  --json             print the rows as JSON
  --out FILE         also write the rows as JSON to FILE: what the workshop's self-check reads
  -h, --help         this text
`

function parseCarriedStateArguments(argv: readonly string[]): CarriedStateOptions {
  const values = parseArgv(argv, {
    target: { type: 'string' },
    dialogues: { type: 'string' },
    json: { type: 'boolean' },
    out: { type: 'string' },
    ...HELP_OPTION,
  })
  return {
    target: readUrlOption('target', values.target),
    dialogues: readWhole('dialogues', values.dialogues, 20, 1, 1000),
    json: values.json ?? false,
    out: values.out,
    ...(values.help ? { help: true } : {}),
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const options = readCommandLine('lesson:carried-state', argv, parseCarriedStateArguments, USAGE)
  if (typeof options === 'number') return options
  const cluster = options.target === undefined ? await startLocalCluster({ clerkCount: 3 }) : undefined
  try {
    const target = options.target ?? cluster!.proxyUrl
    const rows: CarriedStateRow[] = []
    for (const cookies of [true, false]) for (const mode of MODES) rows.push(await measureCarriedState(target, mode, cookies, options.dialogues))
    const json = JSON.stringify(rows, null, 2) + '\n'
    process.stdout.write(options.json ? json : renderCarriedState(rows))
    if (options.out !== undefined) {
      writeMakingFolders(options.out, json)
      if (!options.json) process.stdout.write(`JSON: ${options.out}\n`)
    }
    return 0
  } finally {
    await cluster?.stop()
  }
}

runIfMain(import.meta.url, 'lesson:carried-state', main)
