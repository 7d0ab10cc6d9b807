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
import { badChaos, badOption } from '../errors.js'
import { CHAOS_FLAGS, parseChaosFlag, resolveSchedule, type ChaosStep } from './chaos-flags.js'
import { isClerkId, parseArgv, readChoiceOption, readClusterOptions, readTime, readUrlOption, readWhole, REPORT_AND_HELP_OPTIONS } from './readers.js'

export interface LoadtestOptions {
  readonly help: boolean
  readonly mode: Mode
  readonly policy: PolicyName
  readonly customers: number
  readonly dialogues: number | undefined
  readonly durationMs: number | undefined
  readonly target: string | undefined
  /** --cluster: npm start's launcher API, for chaos and clerk status behind a balancer that is not ours */
  readonly clusterUrl: string | undefined
  /** --clerk ID=URL (repeated): each clerk's own address, for chaos through its admin endpoints */
  readonly clerkUrls: Readonly<Record<string, string>> | undefined
  /** --orchestrator kubernetes: chaos steps run kubectl */
  readonly orchestrator: 'kubernetes' | undefined
  /** --namespace: the clerks' Kubernetes namespace (default clerk-cluster) */
  readonly namespace: string | undefined
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
  /** `mcp`: MCP customers over Streamable HTTP at /{mode}/mcp (loadtest/mcp/); default http */
  readonly protocol: 'http' | 'mcp'
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
  cluster: { type: 'string' },
  clerk: { type: 'string', multiple: true },
  orchestrator: { type: 'string' },
  namespace: { type: 'string' },
  clerks: { type: 'string' },
  keepalive: { type: 'string' },
  keys: { type: 'string' },
  cookies: { type: 'string' },
  items: { type: 'string' },
  'compare-keepalive': { type: 'boolean' },
  protocol: { type: 'string' },
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
  const protocol = readChoiceOption('protocol', values.protocol, ['http', 'mcp'] as const, 'http')
  if (protocol === 'mcp' && (pipelining > 1 || values['compare-keepalive'] || values.items !== undefined || values.cookies !== undefined))
    throw badOption('--protocol mcp drives SDK clients: --pipelining, --compare-keepalive, --items and --cookies are HTTP-only')
  const chaos: ChaosStep[] = []
  for (const flag of CHAOS_FLAGS) {
    for (const value of values[flag] ?? []) chaos.push(parseChaosFlag(flag, value))
  }
  // shares of the run (33%) need a duration: fail now, not in the middle of the run
  resolveSchedule(chaos, durationMs)
  const { target, clerks } = readClusterOptions(values, loadtestDefaults.clerks, 1)
  const where = readChaosWhere(values, target)
  if (where.orchestrator === undefined) {
    const scale = chaos.find((step) => step.verb === 'scale')
    if (scale !== undefined) throw badChaos(`${scale.text}: --scale sets the replicas of an orchestrator; it needs --orchestrator kubernetes`)
  }
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
    ...where,
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
    protocol,
  })
}

/**
 * Where chaos and clerk status go when --target is given (services/cluster/chaos-backends.ts):
 * --cluster URL, or --clerk ID=URL repeated, or --orchestrator kubernetes (with --namespace).
 */
function readChaosWhere(
  values: { cluster?: string | undefined; clerk?: string[] | undefined; orchestrator?: string | undefined; namespace?: string | undefined },
  target: string | undefined,
): Pick<LoadtestOptions, 'clusterUrl' | 'clerkUrls' | 'orchestrator' | 'namespace'> {
  const clusterUrl = readUrlOption('cluster', values.cluster)
  const orchestrator = readChoiceOption('orchestrator', values.orchestrator, ['kubernetes'] as const, undefined)
  let clerkUrls: Record<string, string> | undefined
  for (const written of values.clerk ?? []) {
    const match = /^([^=]+)=(.+)$/.exec(written)
    if (!match || !isClerkId(match[1] as string)) throw badOption(`--clerk takes a clerk id and its own URL, like --clerk clerk-b=http://127.0.0.1:3002, got "${written}"`)
    const id = match[1] as string
    clerkUrls ??= {}
    if (id in clerkUrls) throw badOption(`--clerk ${id} is given twice`)
    clerkUrls[id] = readUrlOption(`clerk ${id}`, match[2]) as string
  }
  const given = [clusterUrl && '--cluster', clerkUrls && '--clerk', orchestrator && '--orchestrator'].filter(Boolean)
  if (given.length > 1) throw badOption(`${given.join(' and ')} each say where chaos goes: choose one`)
  if (given.length === 1 && target === undefined)
    throw badOption(`${given[0]} goes with --target (a cluster already running); a local cluster's chaos goes through its own launcher`)
  if (values.namespace !== undefined && orchestrator === undefined) throw badOption('--namespace goes with --orchestrator kubernetes')
  if (values.namespace !== undefined && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(values.namespace)) {
    throw badOption(`--namespace must be a Kubernetes namespace name (lower-case letters, digits, "-"), got "${values.namespace}"`)
  }
  return { clusterUrl, clerkUrls, orchestrator, namespace: values.namespace }
}
