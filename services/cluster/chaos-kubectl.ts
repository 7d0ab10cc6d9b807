/**
 * Chaos on Kubernetes (`npm run loadtest -- --orchestrator kubernetes`): every action is one
 * `kubectl` command run with execFile, asynchronously, so the event loop that sends the load never
 * waits for it (never execSync).
 *
 *   kill clerk-b        kubectl delete pod POD --grace-period=0 --force --wait=false   (a crash)
 *   terminate clerk-b   kubectl delete pod POD --wait=false       (SIGTERM, the pod's grace period: the handoff)
 *   scale N             kubectl scale deployment/clerk --replicas=N
 *   add                 the Deployment's replicas + 1
 *
 * Which pod is "clerk-b": the clerk pods (label `app.kubernetes.io/name=clerk`) that are Running
 * and not being deleted, sorted by name; `clerk-a` is the first, `clerk-b` the second (or
 * `clerk-0`, `clerk-1` …; `clerk` alone is the first; a full pod name is taken as it is). A
 * Deployment's pod names carry a random suffix, so the letter is an ordinal in that order, not an
 * identity: the pod a run kills is named in its chaos event. Not verified on a real cluster here
 * (docs/kubernetes.md); the commands are unit-tested against a stand-in kubectl.
 *
 * @example
 *   const chaos = createKubectlChaos({ namespace: 'clerk-cluster' })
 *   await chaos.act('kill', 'clerk-b')
 *   await chaos.scale!(5)
 */
import { execFile } from 'node:child_process'
import type { ChaosVerb } from '../common/vocabulary.js'
import { ChaosError, type ChaosAction, type ChaosClient, type ChaosResult } from './chaos-client.js'

export interface KubectlChaosOptions {
  /** default clerk-cluster (deploy/k8s/base/kustomization.yaml) */
  namespace?: string
  /** the clerks' Deployment; default clerk */
  deployment?: string
  /** the clerk pods' label selector; default app.kubernetes.io/name=clerk */
  selector?: string
  /** the kubectl command; default `kubectl` on PATH */
  kubectl?: string
  /** the environment kubectl runs with (KUBECONFIG, PATH); default this process's */
  env?: NodeJS.ProcessEnv
  /** per command deadline, ms */
  timeoutMs?: number
}

export const kubectlDefaults = Object.freeze({
  namespace: 'clerk-cluster',
  deployment: 'clerk',
  selector: 'app.kubernetes.io/name=clerk',
  timeoutMs: 30_000, // 30 s per kubectl command
})

/** what kubectl cannot do to a clerk, and what to do instead */
export const KUBECTL_CANNOT: Readonly<Partial<Record<ChaosAction, string>>> = Object.freeze({
  pause: 'Kubernetes has no pause for a pod (a hung clerk needs SIGSTOP inside its container: kubectl exec POD -- kill -STOP 1)',
  resume: 'Kubernetes has no pause for a pod, so nothing to resume',
  revive: 'the Deployment replaces a deleted pod on its own: there is nothing to revive',
  slow: "kubectl cannot slow a clerk: add --clerk clerk-b=URL to reach the clerk's own POST /_admin/slow (through kubectl port-forward)",
  remove: 'Kubernetes chooses which pod a scale-down removes: use --scale N@TIME',
  stop: 'stopping Redis is not a kubectl chaos step here (kubectl scale statefulset/redis --replicas=0 does it by hand)',
  start: 'starting Redis is not a kubectl chaos step here (kubectl scale statefulset/redis --replicas=1 does it by hand)',
})

interface PodList {
  items?: { metadata?: { name?: string; deletionTimestamp?: string }; status?: { phase?: string } }[]
}

export function createKubectlChaos(options: KubectlChaosOptions = {}): ChaosClient {
  const namespace = options.namespace ?? kubectlDefaults.namespace
  const deployment = options.deployment ?? kubectlDefaults.deployment
  const selector = options.selector ?? kubectlDefaults.selector
  const command = options.kubectl ?? 'kubectl'
  const timeout = options.timeoutMs ?? kubectlDefaults.timeoutMs

  function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(command, [...args, '--namespace', namespace], { env: options.env ?? process.env, timeout, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 127 // 127: not found or killed by the timeout
        resolve({ code, stdout, stderr: err !== null && stderr === '' ? err.message : stderr })
      })
    })
  }

  async function runResult(args: string[]): Promise<ChaosResult> {
    const r = await kubectl(args)
    return {
      ok: r.code === 0,
      status: r.code,
      via: 'kubectl',
      body: { command: ['kubectl', ...args, '--namespace', namespace].join(' '), output: (r.code === 0 ? r.stdout : r.stderr).trim().slice(0, 500) },
    }
  }

  /** the pod named by `target` (see the header: an ordinal in name order, or a pod's own name) */
  async function pickPod(target: string): Promise<string> {
    const r = await kubectl(['get', 'pods', '--selector', selector, '--output', 'json'])
    if (r.code !== 0) throw new ChaosError(`kubectl get pods failed (exit ${r.code}): ${r.stderr.trim().slice(0, 300)}`)
    let list: PodList
    try {
      list = JSON.parse(r.stdout) as PodList
    } catch {
      throw new ChaosError('kubectl get pods --output json did not print JSON')
    }
    const names = (list.items ?? [])
      .filter((p) => p.status?.phase === 'Running' && p.metadata?.deletionTimestamp === undefined)
      .map((p) => p.metadata?.name ?? '')
      .filter((n) => n !== '')
      .sort()
    if (names.includes(target)) return target
    const ordinal = podOrdinal(target, deployment)
    if (ordinal === undefined)
      throw new ChaosError(`"${target}" names no clerk pod: write ${deployment}-a, ${deployment}-b … (or ${deployment}-0, ${deployment}-1 …) or a pod's name`)
    const name = names[ordinal]
    if (name === undefined) throw new ChaosError(`${target} is running clerk pod number ${ordinal + 1} by name, but ${names.length} clerk pod(s) run (${selector})`)
    return name
  }

  async function act(verb: ChaosVerb, target: string): Promise<ChaosResult> {
    const refused = KUBECTL_CANNOT[verb]
    if (refused !== undefined) throw new ChaosError(`${verb} ${target}: ${refused}`)
    const pod = await pickPod(target)
    const force = verb === 'kill' ? ['--grace-period=0', '--force'] : []
    return runResult(['delete', 'pod', pod, ...force, '--wait=false'])
  }

  async function scale(replicas: number): Promise<ChaosResult> {
    return runResult(['scale', `deployment/${deployment}`, `--replicas=${replicas}`])
  }

  async function add(): Promise<ChaosResult> {
    const r = await kubectl(['get', `deployment/${deployment}`, '--output', 'jsonpath={.spec.replicas}'])
    const now = Number(r.stdout.trim())
    if (r.code !== 0 || !Number.isInteger(now)) throw new ChaosError(`could not read deployment/${deployment}'s replicas (exit ${r.code}): ${r.stderr.trim().slice(0, 300)}`)
    return scale(now + 1)
  }

  return { act, add, scale, refusal: (action) => KUBECTL_CANNOT[action], hasLauncher: () => Promise.resolve(false) }
}

/** `clerk` → 0, `clerk-a` → 0, `clerk-b` → 1, `clerk-2` → 2; undefined when it is none of these */
export function podOrdinal(target: string, deployment: string): number | undefined {
  if (target === deployment) return 0
  if (!target.startsWith(`${deployment}-`)) return undefined
  const rest = target.slice(deployment.length + 1)
  if (/^[a-z]$/.test(rest)) return rest.charCodeAt(0) - 'a'.charCodeAt(0)
  if (/^\d{1,3}$/.test(rest)) return Number(rest)
  return undefined
}
