/**
 * `npm run loadtest -- …` arguments → one frozen options object, or a clear LOADTEST_ERR_BAD_OPTION
 * sentence (usage text: args/usage.ts).
 *
 * @example
 *   parseLoadtestArguments(['--mode', 'stateful', '--policy', 'sticky', '--kill', 'clerk-b@5s'])
 *   // { mode: 'stateful', policy: 'sticky', customers: 20, durationMs: 10000, chaos: [{ verb: 'kill', … }], … }
 */
import { DEFAULT_POLICIES, MODES, POLICY_NAMES, type Mode, type PolicyName } from '../../services/common/vocabulary.js'
import { MAX_CART_LINES } from '../../services/clerk/catalog.js'
import { badOption } from '../errors.js'
import { CHAOS_FLAGS, parseChaosFlag, resolveSchedule, type ChaosStep } from './chaos-flags.js'
import { parseArgv, readChoiceOption, readClusterOptions, readTime, readWhole, REPORT_AND_HELP_OPTIONS } from './readers.js'

export interface LoadtestOptions {
  readonly help: boolean
  readonly mode: Mode
  readonly policy: PolicyName
  readonly customers: number
  readonly dialogues: number | undefined
  readonly durationMs: number | undefined
  readonly target: string | undefined
  readonly clerks: number
  readonly keepAlive: boolean
  /** --keys off: customers send no Idempotency-Key, like browsers */
  readonly keys: boolean
  /** --cookies off: customers refuse cookies (stateful and shared then end at buy as no_session) */
  readonly cookies: boolean
  /** --items N: products in each customer's cart, the laptop included (1: the classic dialogue) */
  readonly items: number
  readonly compareKeepAlive: boolean
  readonly pipelining: number
  readonly timeoutSeconds: number
  readonly jsonFile: string | undefined
  readonly htmlFile: string | undefined
  readonly quiet: boolean
  readonly chaos: readonly ChaosStep[]
}

export const loadtestDefaults = Object.freeze({
  mode: 'shared',
  customers: 20,
  durationMs: 10_000, // 10 s, when --dialogues is not given either
  clerks: 3,
  pipelining: 1,
  timeoutSeconds: 10, // s per request
})

const chaosOptions = Object.fromEntries(CHAOS_FLAGS.map((flag) => [flag, { type: 'string', multiple: true }])) as Record<
  (typeof CHAOS_FLAGS)[number],
  { type: 'string'; multiple: true }
>

const options = {
  mode: { type: 'string' },
  policy: { type: 'string' },
  customers: { type: 'string' },
  dialogues: { type: 'string' },
  duration: { type: 'string' },
  target: { type: 'string' },
  clerks: { type: 'string' },
  keepalive: { type: 'string' },
  keys: { type: 'string' },
  cookies: { type: 'string' },
  items: { type: 'string' },
  'compare-keepalive': { type: 'boolean' },
  pipelining: { type: 'string' },
  timeout: { type: 'string' },
  ...REPORT_AND_HELP_OPTIONS,
  ...chaosOptions,
} as const

export function parseLoadtestArguments(argv: readonly string[]): LoadtestOptions {
  const values = parseArgv(argv, options)
  const mode = readChoiceOption('mode', values.mode, MODES, loadtestDefaults.mode)
  const policy = readChoiceOption('policy', values.policy, POLICY_NAMES, DEFAULT_POLICIES[mode])
  const customers = readWhole('customers', values.customers, loadtestDefaults.customers, 1, 10_000)
  const dialogues = readWhole('dialogues', values.dialogues, undefined, 1, 10_000_000)
  const givenDuration = readTime('duration', values.duration)
  const durationMs = givenDuration ?? (dialogues === undefined ? loadtestDefaults.durationMs : undefined)
  const keepalive = readChoiceOption('keepalive', values.keepalive, ['on', 'off'] as const, 'on')
  const pipelining = readWhole('pipelining', values.pipelining, loadtestDefaults.pipelining, 1, 64)
  if (pipelining > 1 && mode !== 'stateless') {
    throw badOption(`--pipelining ${pipelining} needs --mode stateless: a ${mode} dialogue must read the previous answer's cookie before it sends the next step`)
  }
  const chaos: ChaosStep[] = []
  for (const flag of CHAOS_FLAGS) {
    for (const value of values[flag] ?? []) chaos.push(parseChaosFlag(flag, value))
  }
  // shares of the run (33%) need a duration: fail now, not in the middle of the run
  resolveSchedule(chaos, durationMs)
  const { target, clerks } = readClusterOptions(values, loadtestDefaults.clerks, 1)
  if (values['compare-keepalive'] && values.keepalive !== undefined) {
    throw badOption('--compare-keepalive runs both keep-alive on and off: leave out --keepalive')
  }
  return Object.freeze({
    help: values.help ?? false,
    mode,
    policy,
    customers,
    dialogues,
    durationMs,
    target,
    clerks,
    keepAlive: keepalive === 'on',
    keys: readChoiceOption('keys', values.keys, ['on', 'off'] as const, 'on') === 'on',
    cookies: readChoiceOption('cookies', values.cookies, ['on', 'off'] as const, 'on') === 'on',
    items: readWhole('items', values.items, 1, 1, MAX_CART_LINES),
    compareKeepAlive: values['compare-keepalive'] ?? false,
    pipelining,
    timeoutSeconds: readWhole('timeout', values.timeout, loadtestDefaults.timeoutSeconds, 1, 600),
    jsonFile: values.json,
    htmlFile: values.html,
    quiet: values.quiet ?? false,
    chaos: Object.freeze(chaos),
  })
}
