import { join } from 'node:path'
import type { Env } from '../services/common/options.js'
import { projectRoot } from '../services/common/project-root.js'
import { clusterTarget, clusterTargetOptions } from '../services/cluster/cluster-target.js'

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

/** what `npm run workshop` and `npm run reset` read from the environment (services/cluster/cluster-target.ts) */
export const workshopOptions = clusterTargetOptions('npm run workshop / reset', {
  port: 'the port of the cluster the exercises run on',
  token: 'the admin token (reads the ledger, resets)',
})

export function readTarget(env: Env): WorkshopTarget {
  return {
    ...clusterTarget(workshopOptions.read(env)),
    reportsDir: join(projectRoot(import.meta.url), 'reports', 'workshop'),
  }
}
