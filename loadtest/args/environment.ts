import { LOG_LEVELS, type LogLevel } from '../../services/common/log.js'
import { choice, ConfigError, defineOptions, text, type Env } from '../../services/common/options.js'
import { badOption } from '../errors.js'

/**
 * What the load-test commands read from the environment (everything else is a command-line
 * option), in the one options pattern of every part (services/common/options.ts).
 */
export interface LoadtestEnvironment {
  /** the admin token of a running cluster (--target); a local cluster makes its own */
  readonly adminToken: string | undefined
  /** the level of a local cluster's processes */
  readonly logLevel: LogLevel
}

export const loadtestOptions = defineOptions<LoadtestEnvironment>({
  part: 'npm run loadtest',
  options: [
    {
      env: 'ADMIN_TOKEN',
      key: 'adminToken',
      read: text(),
      docDefault: 'the token npm start wrote, for a cluster on this machine',
      doc: 'the admin token of the cluster given by `--target` (sets policies, chaos, reads the ledger); unset, a `--target` on this machine uses the one `npm start` wrote to `$TMPDIR/clerk-cluster-$PROXY_PORT.json`; a local cluster makes its own',
    },
    {
      env: 'LOG_LEVEL',
      key: 'logLevel',
      read: choice(LOG_LEVELS),
      default: 'warn',
      doc: "the level of the local cluster's clerks and proxy",
    },
  ],
})

/** reads it; a bad value is a LOADTEST_ERR_BAD_OPTION, as a bad flag is */
export function readLoadtestEnvironment(env: Env = process.env): LoadtestEnvironment {
  try {
    return loadtestOptions.read(env)
  } catch (err) {
    if (err instanceof ConfigError) throw badOption(err.message)
    throw err
  }
}
