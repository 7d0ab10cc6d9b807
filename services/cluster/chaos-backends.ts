/**
 * Where chaos goes, one table: every backend speaks the one chaos client interface
 * (chaos-client.ts), and the load test picks one from its flags.
 *
 *   proxy        our proxy (--target, or the local cluster): /_cluster/* to npm start's launcher, else the clerks' crash/slow through /_lb
 *   launcher     --cluster URL: npm start's launcher, through our proxy's /_cluster/* or directly (its launcherUrl)
 *   clerk-admin  --clerk ID=URL, repeated: each clerk's own POST /_admin/crash and /_admin/slow
 *   kubectl      --orchestrator kubernetes: kubectl delete pod, kubectl scale deployment
 *
 * @example
 *   const { name, client } = chooseChaosBackend({ proxyUrl, adminToken, clerkUrls: { 'clerk-b': 'http://127.0.0.1:3002' } })
 *   // name === 'clerk-admin'
 */
import { createChaosClient, type ChaosClient } from './chaos-client.js'
import { createClerkAdminChaos } from './chaos-clerk-admin.js'
import { createKubectlChaos, type KubectlChaosOptions } from './chaos-kubectl.js'

export interface ChaosBackendChoice {
  /** the balancer the load goes to (used by the proxy backend) */
  proxyUrl: string
  adminToken?: string | undefined
  /** --cluster: npm start's launcher API (the proxy's URL, or the launcher's own) */
  clusterUrl?: string | undefined
  /** --clerk: clerk id → the clerk's own URL */
  clerkUrls?: Readonly<Record<string, string>> | undefined
  /** --orchestrator */
  orchestrator?: 'kubernetes' | undefined
  kubectl?: KubectlChaosOptions
}

interface ChaosBackend {
  /** the flag that chooses it */
  readonly chosenBy: string
  readonly when: (choice: ChaosBackendChoice) => boolean
  readonly create: (choice: ChaosBackendChoice) => ChaosClient
}

/** in order of precedence: the first whose `when` holds is used */
export const CHAOS_BACKENDS = Object.freeze({
  kubectl: {
    chosenBy: '--orchestrator kubernetes',
    when: (c) => c.orchestrator === 'kubernetes',
    create: (c) => createKubectlChaos(c.kubectl),
  },
  launcher: {
    chosenBy: '--cluster URL',
    when: (c) => c.clusterUrl !== undefined,
    create: (c) => createChaosClient({ proxyUrl: c.clusterUrl as string, adminToken: c.adminToken }),
  },
  'clerk-admin': {
    chosenBy: '--clerk ID=URL',
    when: (c) => c.clerkUrls !== undefined && Object.keys(c.clerkUrls).length > 0,
    create: (c) => createClerkAdminChaos({ clerks: c.clerkUrls ?? {}, adminToken: c.adminToken }),
  },
  proxy: {
    chosenBy: 'none of them (our proxy)',
    when: () => true,
    create: (c) => createChaosClient({ proxyUrl: c.proxyUrl, adminToken: c.adminToken }),
  },
} satisfies Record<string, ChaosBackend>)

export type ChaosBackendName = keyof typeof CHAOS_BACKENDS

export function chooseChaosBackend(choice: ChaosBackendChoice): { name: ChaosBackendName; client: ChaosClient } {
  for (const [name, backend] of Object.entries(CHAOS_BACKENDS) as [ChaosBackendName, ChaosBackend][]) {
    if (backend.when(choice)) return { name, client: backend.create(choice) }
  }
  throw new Error('unreachable: the proxy backend always applies')
}
