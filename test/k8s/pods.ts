import type { K8sObject } from './manifests.js'

// The parts of a pod spec the manifest tests read: a small typed view over rendered objects.

export interface Probe {
  httpGet?: { path: string; port: string | number }
  exec?: { command: string[] }
  tcpSocket?: { port: string | number }
}

export interface EnvVar {
  name: string
  value?: string
  valueFrom?: {
    secretKeyRef?: { name: string; key: string }
    configMapKeyRef?: { name: string; key: string }
    fieldRef?: { fieldPath: string }
  }
}

export interface Container {
  name: string
  image: string
  args?: string[]
  command?: string[]
  ports?: Array<{ name?: string; containerPort: number }>
  env?: EnvVar[]
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>
  readinessProbe?: Probe
  livenessProbe?: Probe
  lifecycle?: { preStop?: { exec?: { command: string[] } } }
}

export interface PodSpec {
  containers: Container[]
  terminationGracePeriodSeconds?: number
}

export interface PodTemplate {
  metadata: { labels: Record<string, string> }
  spec: PodSpec
}

/** Deployment, StatefulSet, Job: the objects that run pods, with their pod template */
export interface Workload extends K8sObject {
  spec: { selector?: { matchLabels: Record<string, string> }; replicas?: number; parallelism?: number; template: PodTemplate }
}

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job'])

export function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects.filter((o): o is Workload => WORKLOAD_KINDS.has(o.kind))
}

/** the workloads whose containers run `node <script>` (e.g. dist/services/clerk/main.js) */
export function running(objects: readonly K8sObject[], script: string): Array<{ workload: Workload; container: Container }> {
  return workloads(objects).flatMap((workload) =>
    workload.spec.template.spec.containers.filter((c) => [...(c.command ?? []), ...(c.args ?? [])].includes(script)).map((container) => ({ workload, container })),
  )
}

export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name)
}

/** true when every label the selector names is on the pod */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v)
}

/** a secret's or config map's keys and values as the pod sees them (a secret's decoded) */
function dataOf(objects: readonly K8sObject[], kind: 'Secret' | 'ConfigMap', name: string): Record<string, string> {
  const object = find(objects, kind, name)
  if (!object) throw new Error(`no ${kind} ${name}`)
  const data = (object.data ?? {}) as Record<string, string>
  if (kind === 'ConfigMap') return data
  return Object.fromEntries(Object.entries(data).map(([key, raw]) => [key, Buffer.from(raw, 'base64').toString('utf8')]))
}

function keyOf(objects: readonly K8sObject[], kind: 'Secret' | 'ConfigMap', name: string, key: string): string {
  const value = dataOf(objects, kind, name)[key]
  if (value === undefined) throw new Error(`${kind} ${name} has no key ${key}`)
  return value
}

/** The environment the container's process starts with, resolved against the rendered secrets and
 *  config maps, as the kubelet would (envFrom first, then env, which wins). */
export function environmentOf(objects: readonly K8sObject[], container: Container, podName: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, dataOf(objects, 'ConfigMap', from.configMapRef.name))
    if (from.secretRef) Object.assign(env, dataOf(objects, 'Secret', from.secretRef.name))
  }
  for (const v of container.env ?? []) {
    const from = v.valueFrom
    if (v.value !== undefined) env[v.name] = v.value
    else if (from?.secretKeyRef) env[v.name] = keyOf(objects, 'Secret', from.secretKeyRef.name, from.secretKeyRef.key)
    else if (from?.configMapKeyRef) env[v.name] = keyOf(objects, 'ConfigMap', from.configMapKeyRef.name, from.configMapKeyRef.key)
    else if (from?.fieldRef?.fieldPath === 'metadata.name') env[v.name] = podName
    else throw new Error(`env ${v.name}: a source these tests do not resolve`)
  }
  return env
}

/** the container port a probe or a Service's targetPort names (by name or number) */
export function portOf(container: Container, port: string | number): number | undefined {
  if (typeof port === 'number') return container.ports?.some((p) => p.containerPort === port) ? port : undefined
  return container.ports?.find((p) => p.name === port)?.containerPort
}

/** seconds a `preStop: exec: [sleep, N]` waits; 0 without one */
export function preStopSeconds(container: Container): number {
  const command = container.lifecycle?.preStop?.exec?.command ?? []
  return command[0] === 'sleep' ? Number(command[1]) : 0
}
