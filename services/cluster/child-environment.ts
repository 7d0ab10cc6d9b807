import { readClerkOptions } from '../clerk/options.js'
import { readProxyOptions } from '../../proxy/options.js'
import { NO_REDIS_URL } from './plan.js'

type Env = Record<string, string | undefined>

/**
 * Checks, before anything starts, the variables the clerks and the proxy will read from the
 * environment they inherit from `npm start` (PROXY_ENGINE, POLICY_*, CLERK_WORK_MS, …), with the
 * children's own readers: a bad value stops the launcher with the child's one sentence, instead
 * of the cluster half starting and a child dying with its output tail. The variables the plan
 * sets itself (ports, ids, URLs, secrets) are filled with valid stand-ins; they are checked where
 * they are made. Throws a ConfigError.
 */
export function checkChildEnvironment(env: Env): void {
  readClerkOptions({
    ...env,
    PORT: '1',
    HOST: '127.0.0.1',
    CLERK_ID: 'clerk-a',
    REDIS_URL: NO_REDIS_URL,
    SESSION_SECRET: 'a-stand-in-secret-of-at-least-32-characters',
    ADMIN_TOKEN: 'a-stand-in-token',
  })
  readProxyOptions({
    ...env,
    PORT: '1',
    HOST: '127.0.0.1',
    CLERKS: 'clerk-a=http://127.0.0.1:1',
    ADMIN_TOKEN: 'a-stand-in-token',
    LAUNCHER_URL: 'http://127.0.0.1:1',
  })
}
