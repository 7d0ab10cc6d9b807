import '../services/common/supported-node.js'
import { isMain } from '../services/common/is-main.js'
import { ConfigError, type Env } from '../services/common/options.js'
import { ClusterUnreachable, NeedsAdminToken } from './cluster-reads.js'
import { CODE_USAGE, codeMain, renderCodeList } from './code-track/code-cli.js'
import { EXERCISES, exerciseById } from './exercises.js'
import { readTarget } from './target.js'
import { renderVerdict } from './verdict.js'

/**
 * `npm run workshop -- list` prints the exercises; `npm run workshop -- check N [--json FILE]
 * [--predicted P]` runs exercise N's self-check against the cluster on PROXY_PORT and prints PASS
 * or FAIL with what it saw and where to look (exit 0 on PASS, 1 on FAIL, 2 on a usage error).
 */
export const WORKSHOP_USAGE = `Usage: npm run workshop -- <command>

  list                    the exercises, each with its page and what its self-check looks at
  check N                 exercise N's self-check: PASS or FAIL, what it saw, where to look
    --json FILE           (2, 6, 9-13) the report to read, instead of reports/workshop/…
    --predicted P         (2, 9-11) your prediction, printed beside the measurement
${CODE_USAGE}

The cluster: npm start's on PROXY_PORT (8080); ADMIN_TOKEN from the environment or npm start's state file.
Between exercises: npm run reset (npm run reset -- --ledger also empties the ledger).`

export function renderList(): string {
  const rows = EXERCISES.map((e) => {
    return `${String(e.id).padStart(2)}  ${e.title}\n    ${e.page}\n    self-check: ${e.selfCheck}`
  })
  return `${rows.join('\n')}\n\nThe code track (docs/workshop/code-track.md):\n${renderCodeList()}`
}

/** `--name value` pairs after the command's own words */
function readFlags(argv: readonly string[]): Record<string, string> | string {
  const flags: Record<string, string> = {}
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i] as string
    const value = argv[i + 1]
    if (!name.startsWith('--') || value === undefined) return `expected --name value, got "${argv.slice(i).join(' ')}"`
    if (!['--json', '--predicted'].includes(name)) return `unknown option ${name}`
    flags[name.slice(2)] = value
  }
  return flags
}

export async function main(argv: readonly string[], env: Env, print = console.log): Promise<number> {
  const [command, idText, ...rest] = argv
  if (command === undefined || command === 'help' || command === '--help') {
    print(WORKSHOP_USAGE)
    return command === undefined ? 2 : 0
  }
  if (command === 'list') {
    print(renderList())
    return 0
  }
  if (command === 'code') return codeMain(argv.slice(1), env, print)
  if (command !== 'check') {
    print(`workshop: unknown command "${command}"\n\n${WORKSHOP_USAGE}`)
    return 2
  }
  const exercise = exerciseById(Number(idText))
  if (!exercise) {
    print(`workshop: no exercise "${idText ?? ''}": npm run workshop -- list shows them`)
    return 2
  }
  const flags = readFlags(rest)
  if (typeof flags === 'string') {
    print(`workshop: ${flags}\n\n${WORKSHOP_USAGE}`)
    return 2
  }
  let target
  try {
    target = readTarget(env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    print(`workshop: ${err.message}`)
    return 2
  }
  try {
    const verdict = await exercise.check({ target, args: flags })
    print(renderVerdict(exercise.id, exercise.title, verdict))
    return verdict.pass ? 0 : 1
  } catch (err) {
    if (!(err instanceof ClusterUnreachable || err instanceof NeedsAdminToken)) throw err
    print(renderVerdict(exercise.id, exercise.title, { pass: false, saw: [err.message], look: 'the terminal that runs npm start' }))
    return 1
  }
}

if (isMain(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), process.env)
}
