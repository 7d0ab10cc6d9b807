import { clerkOptions, readClerkOptions } from '../clerk/options.js'
import { proxyOptions, readProxyOptions } from '../../proxy/options.js'
import { deprecationLine, type Env } from '../common/options.js'
import { NO_REDIS_URL, planCluster } from './plan.js'

/** the environment the clerks and the proxy inherit from `npm start`, and what it said about it */
export interface ChildEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>
  /** one line per old variable name found (the children then see only the new names) */
  readonly deprecations: readonly string[]
}

// What the plan sets for every child (ports, hosts, ids, URLs, secrets), with valid stand-ins:
// an inherited value of these, under the new name or an old one, is never what a child reads.
const planned = planCluster({
  proxyPort: 1,
  clerkCount: 1,
  redisUrl: NO_REDIS_URL,
  adminToken: 'a-stand-in-token',
  sessionSecret: 'a-stand-in-secret-of-at-least-32-characters',
  launcherUrl: 'http://127.0.0.1:1',
  logLevel: 'info',
})
const CLERK_STAND_INS = planned.clerks[0]?.env ?? {}
const PROXY_STAND_INS = planned.proxy.env
const PLANNED = new Set([...Object.keys(CLERK_STAND_INS), ...Object.keys(PROXY_STAND_INS)])

/**
 * Checks, before anything starts, the variables the clerks and the proxy will read from the
 * environment they inherit from `npm start` (PROXY_ENGINE, PROXY_POLICY_*, CLERK_WORK_MS, …), with
 * the children's own tables: a bad value stops the launcher with the child's one sentence, instead
 * of the cluster half starting and a child dying with its output tail. The variables the plan
 * sets itself are checked where they are made. Throws a ConfigError.
 *
 * An old name (POLICY_STATEFUL) is passed on under its new one (PROXY_POLICY_STATEFUL) with one
 * deprecation line here, so that four children do not print it four times; an old name of a
 * variable the plan sets (PORT, CLERKS) is dropped, as the plan's value always won.
 */
export function checkChildEnvironment(env: Env): ChildEnvironment {
  const out: Record<string, string | undefined> = { ...env }
  const deprecations = new Set<string>()
  for (const spec of [...clerkOptions.options, ...proxyOptions.options]) {
    if (spec.env === undefined) continue
    for (const old of spec.deprecated ?? []) {
      const value = out[old]
      if (value === undefined) continue
      delete out[old]
      if (PLANNED.has(spec.env) || value.trim() === '') continue
      deprecations.add(deprecationLine(old, spec.env))
      if ((out[spec.env] ?? '').trim() === '') out[spec.env] = value
    }
  }
  readClerkOptions({ ...out, ...CLERK_STAND_INS })
  readProxyOptions({ ...out, ...PROXY_STAND_INS })
  return { env: out, deprecations: [...deprecations] }
}
