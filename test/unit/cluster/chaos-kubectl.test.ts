import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chooseChaosBackend } from '../../../services/cluster/chaos-backends.js'
import { createKubectlChaos, podOrdinal } from '../../../services/cluster/chaos-kubectl.js'
import { waitFor } from '../../../services/common/wait-for.js'

// `--orchestrator kubernetes` runs kubectl. No Kubernetes runs here, so a stand-in `kubectl`
// (a fake of a CLI this project does not ship: acceptable in a unit test) is put first on PATH: it
// records its argv, prints a pod list for `get pods`, and, when told, waits for a release file that
// only this test's event loop writes. If the chaos client blocked the event loop (execSync), that
// file could never be written and the stand-in would give up with exit 3.
let dir: string
let env: NodeJS.ProcessEnv
const argvLog = () => join(dir, 'argv.jsonl')
const calls = (): string[][] =>
  existsSync(argvLog())
    ? readFileSync(argvLog(), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as string[])
    : []

const standIn = `#!/usr/bin/env node
const fs = require('node:fs')
const path = require('node:path')
const dir = ${JSON.stringify('DIR')}
const args = process.argv.slice(2)
fs.appendFileSync(path.join(dir, 'argv.jsonl'), JSON.stringify(args) + '\\n')
const pod = (name, phase, deleting) => ({ metadata: { name, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) }, status: { phase } })
if (args[0] === 'get' && args[1] === 'pods') {
  process.stdout.write(JSON.stringify({ items: [pod('clerk-7d9f-zzzzz', 'Running'), pod('clerk-7d9f-aaaaa', 'Running'), pod('clerk-7d9f-mmmmm', 'Pending'), pod('clerk-7d9f-bbbbb', 'Running', true), pod('clerk-7d9f-ccccc', 'Running')] }))
  process.exit(0)
}
if (args[0] === 'get' && args[1] === 'deployment/clerk') { process.stdout.write('3'); process.exit(0) }
if (process.env.STAND_IN_HOLD) {
  const release = path.join(dir, 'release')
  const giveUp = Date.now() + 5000
  const wait = () => {
    if (fs.existsSync(release)) { process.stdout.write('done'); process.exit(0) }
    if (Date.now() > giveUp) { process.stderr.write('never released: the caller blocked its event loop'); process.exit(3) }
    setTimeout(wait, 20)
  }
  wait()
} else {
  process.stdout.write('ok')
}
`

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubectl-stand-in-'))
  writeFileSync(join(dir, 'kubectl'), standIn.replace('"DIR"', JSON.stringify(dir)))
  chmodSync(join(dir, 'kubectl'), 0o755)
  env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` }
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('chaos through kubectl (--orchestrator kubernetes)', () => {
  it('names the pod by ordinal among Running clerk pods sorted by name (not Pending, not being deleted)', () => {
    expect([podOrdinal('clerk', 'clerk'), podOrdinal('clerk-a', 'clerk'), podOrdinal('clerk-c', 'clerk'), podOrdinal('clerk-2', 'clerk')]).toEqual([0, 0, 2, 2])
    expect(podOrdinal('proxy-a', 'clerk')).toBeUndefined()
    expect(podOrdinal('clerk-ab', 'clerk')).toBeUndefined()
  })

  it('kill = delete the pod with no grace (a crash), terminate = delete with its grace period (SIGTERM, the handoff), in the namespace', async () => {
    rmSync(argvLog(), { force: true })
    const chaos = createKubectlChaos({ namespace: 'shop', env })
    const kill = await chaos.act('kill', 'clerk-b')
    expect(kill).toMatchObject({ ok: true, status: 0, via: 'kubectl' })
    const terminate = await chaos.act('terminate', 'clerk-a')
    expect(terminate.ok).toBe(true)
    const byName = await chaos.act('kill', 'clerk-7d9f-zzzzz')
    expect(byName.ok).toBe(true)
    expect(calls()).toEqual([
      ['get', 'pods', '--selector', 'app.kubernetes.io/name=clerk', '--output', 'json', '--namespace', 'shop'],
      ['delete', 'pod', 'clerk-7d9f-ccccc', '--grace-period=0', '--force', '--wait=false', '--namespace', 'shop'],
      ['get', 'pods', '--selector', 'app.kubernetes.io/name=clerk', '--output', 'json', '--namespace', 'shop'],
      ['delete', 'pod', 'clerk-7d9f-aaaaa', '--wait=false', '--namespace', 'shop'],
      ['get', 'pods', '--selector', 'app.kubernetes.io/name=clerk', '--output', 'json', '--namespace', 'shop'],
      ['delete', 'pod', 'clerk-7d9f-zzzzz', '--grace-period=0', '--force', '--wait=false', '--namespace', 'shop'],
    ])
  })

  it('scale = kubectl scale deployment/clerk --replicas=N; add = the replicas it has + 1', async () => {
    rmSync(argvLog(), { force: true })
    const chaos = createKubectlChaos({ env })
    expect((await chaos.scale!(5)).ok).toBe(true)
    expect((await chaos.add!()).ok).toBe(true)
    expect(calls()).toEqual([
      ['scale', 'deployment/clerk', '--replicas=5', '--namespace', 'clerk-cluster'],
      ['get', 'deployment/clerk', '--output', 'jsonpath={.spec.replicas}', '--namespace', 'clerk-cluster'],
      ['scale', 'deployment/clerk', '--replicas=4', '--namespace', 'clerk-cluster'],
    ])
  })

  it('refuses in a sentence what kubectl cannot do, and a clerk ordinal beyond the Running pods', async () => {
    const chaos = createKubectlChaos({ env })
    expect(chaos.refusal?.('revive', 'clerk-b')).toMatch(/the Deployment replaces a deleted pod on its own/)
    expect(chaos.refusal?.('pause', 'clerk-b')).toMatch(/Kubernetes has no pause for a pod/)
    expect(chaos.refusal?.('kill', 'clerk-b')).toBeUndefined()
    await expect(chaos.act('kill', 'clerk-e')).rejects.toThrow(/clerk-e is running clerk pod number 5 by name, but 3 clerk pod\(s\) run/)
    await expect(chaos.act('kill', 'redis-0')).rejects.toThrow(/"redis-0" names no clerk pod/)
    const missing = createKubectlChaos({ kubectl: join(dir, 'no-such-kubectl'), env })
    await expect(missing.act('kill', 'clerk-a')).rejects.toThrow(/kubectl get pods failed/)
  })

  it('never blocks the event loop: the stand-in waits for a file this event loop writes while kubectl runs', async () => {
    rmSync(argvLog(), { force: true })
    rmSync(join(dir, 'release'), { force: true })
    const chaos = createKubectlChaos({ env: { ...env, STAND_IN_HOLD: '1' } })
    const scaling = chaos.scale!(2)
    // kubectl has started (its argv is recorded) and has not answered; this loop still runs
    await waitFor(() => calls().length === 1, { what: 'the stand-in kubectl to start', timeoutMs: 10_000, intervalMs: 20 })
    writeFileSync(join(dir, 'release'), '')
    const result = await scaling
    expect(result).toMatchObject({ ok: true, status: 0 })
  })

  it('is the backend --orchestrator kubernetes chooses, before --cluster or --clerk', () => {
    const base = { proxyUrl: 'http://127.0.0.1:1' }
    expect(chooseChaosBackend({ ...base, orchestrator: 'kubernetes', clusterUrl: 'http://127.0.0.1:2' }).name).toBe('kubectl')
    expect(chooseChaosBackend({ ...base, clusterUrl: 'http://127.0.0.1:2' }).name).toBe('launcher')
    expect(chooseChaosBackend({ ...base, clerkUrls: { 'clerk-b': 'http://127.0.0.1:3' } }).name).toBe('clerk-admin')
    expect(chooseChaosBackend(base).name).toBe('proxy')
  })
})
