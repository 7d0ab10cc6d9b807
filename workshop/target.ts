import { join } from 'node:path'
import { defineOptions, port, text, type Env } from '../services/common/options.js'
import { projectRoot } from '../services/common/project-root.js'
import { readStateFile, stateFilePath } from '../services/cluster/state-file.js'

/**
 * Which cluster the workshop's commands (`npm run workshop`, `npm run reset`) look at: the one
 * `npm start` runs on PROXY_PORT, found the way `npm run chaos` finds it (the admin token from
 * the environment, else from the state file npm start wrote).
 */
export interface WorkshopTarget {
  readonly proxyUrl: string
  readonly adminToken: string | undefined
  /** where the exercises' load-test reports go (reports/workshop/ in the project) */
  readonly reportsDir: string
}

interface WorkshopSettings {
  proxyPort: number
  proxyUrl: string | undefined
  adminToken: string | undefined
}

/** what `npm run workshop` and `npm run reset` read from the environment (services/common/options.ts) */
export const workshopOptions = defineOptions<WorkshopSettings>({
  part: 'npm run workshop / reset',
  options: [
    { env: 'PROXY_PORT', key: 'proxyPort', read: port(), default: 8080, doc: "the port of the cluster the exercises run on (npm start's PROXY_PORT)" },
    { env: 'PROXY_URL', key: 'proxyUrl', read: text(), docDefault: 'http://127.0.0.1:PROXY_PORT', doc: 'the proxy to talk to, instead of the local one' },
    {
      env: 'ADMIN_TOKEN',
      key: 'adminToken',
      read: text(),
      docDefault: 'the token npm start wrote',
      doc: 'the admin token (reads the ledger, resets); else the one `npm start` wrote to `$TMPDIR/clerk-cluster-$PROXY_PORT.json`',
    },
  ],
})

export function readTarget(env: Env): WorkshopTarget {
  const settings = workshopOptions.read(env)
  return {
    proxyUrl: (settings.proxyUrl ?? `http://127.0.0.1:${settings.proxyPort}`).replace(/\/+$/, ''),
    adminToken: settings.adminToken ?? readStateFile(stateFilePath(settings.proxyPort))?.adminToken,
    reportsDir: join(projectRoot(import.meta.url), 'reports', 'workshop'),
  }
}
