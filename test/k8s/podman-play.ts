import { stringify } from 'yaml'
import type { K8sObject } from './manifests.js'
import { selects, workloads, type Container, type Workload } from './pods.js'

/**
 * Turns rendered manifests into what `podman kube play` (podman 4.3) can run, changing only what
 * podman does not do the Kubernetes way, each for a stated reason:
 *
 * - Service: podman has none. Each Service's name becomes a DNS alias, on the test's own network,
 *   of the pods it selects: several pods under one alias answer like a headless Service.
 * - Secret: podman 4.3 reads `secretKeyRef` from a podman secret holding the Secret's `data` map
 *   as JSON (the caller creates it: `secrets`), not from a Secret in the YAML.
 * - StatefulSet: podman has none; Redis runs as a Deployment of one with a PersistentVolumeClaim
 *   (a podman named volume), so a restarted Redis pod finds its append-only file again.
 * - Namespace, PodDisruptionBudget, HorizontalPodAutoscaler, Ingress: nothing in podman acts on them.
 * - container ports: podman publishes every containerPort on the host (two clerks would fight
 *   over the host's port 3000); they go, and only the proxy's is published, on a free port.
 * - probes: podman turns a liveness probe into a healthcheck whose httpGet needs curl, which the
 *   slim image lacks; they go, and the smoke test asks each probe's route from inside its pod.
 * - names: each workload's name gets the test's prefix, since podman names pods `<name>-pod-<i>`
 *   in one machine-wide namespace.
 */
export interface Play {
  /** the Service name the pods answer to on the network, if a Service selects them */
  alias: string | undefined
  /** the workload as rendered (its probes and ports, for the checks) */
  workload: Workload
  /** podman's names for its pods: `<prefix><name>-pod-<i>` */
  pods: string[]
  yaml: string
}

export interface PodmanPlan {
  plays: Play[]
  /** podman secret name → its content (JSON of the Secret's data map) */
  secrets: Map<string, string>
  volumes: string[]
}

const IGNORED_KINDS = new Set(['Namespace', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'Ingress', 'Service', 'Secret', 'ConfigMap'])

export interface PlanOptions {
  /** prefix of every pod name: unique per run */
  prefix: string
  /** the workload whose port is published on 127.0.0.1:<hostPort>, e.g. { proxy: 18080 } */
  publish: Record<string, { containerPort: number; hostPort: number }>
  /** environment put into (or over) a workload's first container, e.g. the proxy's clerk list */
  env?: Record<string, Record<string, string | undefined>>
}

export function planForPodman(objects: readonly K8sObject[], { prefix, publish, env = {} }: PlanOptions): PodmanPlan {
  for (const o of objects) {
    if (!IGNORED_KINDS.has(o.kind) && !['Deployment', 'StatefulSet'].includes(o.kind)) throw new Error(`no podman mapping for ${o.kind}/${o.metadata.name}`)
  }
  const configMaps = objects.filter((o) => o.kind === 'ConfigMap')
  const services = objects.filter((o) => o.kind === 'Service') as Array<K8sObject & { spec: { selector: Record<string, string> } }>
  const secrets = new Map<string, string>()
  for (const s of objects.filter((o) => o.kind === 'Secret')) secrets.set(s.metadata.name, JSON.stringify(s.data ?? {}))

  const volumes: string[] = []
  const plays = workloads(objects).map((workload): Play => {
    const name = `${prefix}${workload.metadata.name}`
    const template = structuredClone(workload.spec.template)
    const extra: K8sObject[] = []
    if (workload.kind === 'StatefulSet') {
      const claims = (workload.spec as { volumeClaimTemplates?: Array<{ metadata: { name: string }; spec: unknown }> }).volumeClaimTemplates ?? []
      const podSpec = template.spec as typeof template.spec & { volumes?: unknown[] }
      podSpec.volumes = [...(podSpec.volumes ?? [])]
      for (const claim of claims) {
        const claimName = `${name}-${claim.metadata.name}`
        volumes.push(claimName)
        extra.push({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claimName }, spec: claim.spec })
        podSpec.volumes.push({ name: claim.metadata.name, persistentVolumeClaim: { claimName } })
      }
    }
    template.spec.containers = template.spec.containers.map((c, i): Container => {
      const { readinessProbe: _r, livenessProbe: _l, ports: _p, ...rest } = c
      const container: Container = { ...rest }
      const published = publish[workload.metadata.name]
      if (i === 0 && published) container.ports = [{ ...published, hostIP: '127.0.0.1' } as { containerPort: number }]
      const over = env[workload.metadata.name]
      if (i === 0 && over) {
        const kept = (container.env ?? []).filter((v) => !(v.name in over))
        const added = Object.entries(over).flatMap(([k, v]) => (v === undefined ? [] : [{ name: k, value: v }]))
        container.env = [...kept, ...added]
      }
      return container
    })
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: { replicas: workload.spec.replicas ?? 1, selector: workload.spec.selector, template },
    }
    const alias = services.find((s) => selects(s.spec.selector, workload.spec.template.metadata.labels))?.metadata.name
    const pods = Array.from({ length: deployment.spec.replicas }, (_, i) => `${name}-pod-${i}`)
    const yaml = [...configMaps, ...extra, deployment].map((o) => stringify(o)).join('---\n')
    return { alias, workload, pods, yaml }
  })
  return { plays, secrets, volumes }
}
