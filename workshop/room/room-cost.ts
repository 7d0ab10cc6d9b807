import '../../services/common/supported-node.js'
import { parseArgs } from 'node:util'
import { isMain } from '../../services/common/is-main.js'
import { readStateFile, stateFilePath } from '../../services/cluster/state-file.js'
import { workshopOptions, readTarget } from '../target.js'
import { cpuMs, loadAverage } from './process-cpu.js'
import { runLearner, type LearnerTally } from './simulated-learner.js'

/**
 * `npm run workshop:room-cost [-- --learners 30 --seconds 30 --every 5000]`: what a room costs the
 * cluster npm start runs on PROXY_PORT. First `seconds` with nobody (the baseline: health checks,
 * the stats event), then `seconds` with N simulated learners (simulated-learner.ts: an event
 * stream each, the page's status poll, a whole dialogue every `every` ms). Prints the CPU each
 * process of the cluster used in both (from /proc, so Linux), the dialogues and failures, and the
 * load average before and after. Bounded: at most 120 s per phase, 200 learners. Run it under
 * `flock /work/.bench.lock` on a shared machine.
 */
const MAX_SECONDS = 120
const MAX_LEARNERS = 200

interface Phase {
  seconds: number
  cpuMsByProcess: Record<string, number>
}

async function measure(pids: Record<string, number>, seconds: number, during: (signal: AbortSignal) => Promise<unknown>): Promise<Phase> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]))
  const started = performance.now()
  const stop = new AbortController()
  const timer = setTimeout(() => stop.abort(), seconds * 1000)
  await Promise.all([during(stop.signal), new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }))])
  clearTimeout(timer)
  const elapsed = (performance.now() - started) / 1000
  const cpuMsByProcess: Record<string, number> = {}
  for (const [name, pid] of Object.entries(pids)) {
    const end = cpuMs(pid)
    const start = before[name]
    if (end !== undefined && start !== undefined) cpuMsByProcess[name] = end - start
  }
  return { seconds: elapsed, cpuMsByProcess }
}

const percent = (cpu: number | undefined, seconds: number) => (cpu === undefined ? '–' : `${((cpu / 1000 / seconds) * 100).toFixed(1)} %`)

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, print = console.log): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { learners: { type: 'string', default: '30' }, seconds: { type: 'string', default: '30' }, every: { type: 'string', default: '5000' } },
  })
  const learners = Number(values.learners)
  const seconds = Number(values.seconds)
  const every = Number(values.every)
  if (!(Number.isInteger(learners) && learners >= 1 && learners <= MAX_LEARNERS) || !(seconds >= 5 && seconds <= MAX_SECONDS) || !(every >= 500)) {
    print(`room-cost: --learners 1..${MAX_LEARNERS}, --seconds 5..${MAX_SECONDS}, --every ≥ 500 (ms)`)
    return 2
  }
  const target = readTarget(env)
  const state = readStateFile(stateFilePath(workshopOptions.read(env).proxyPort))
  if (state === undefined) {
    print(`room-cost: no npm start state file for this PROXY_PORT: start the cluster with npm start first`)
    return 2
  }
  const pids = Object.fromEntries(Object.entries(state.pids).filter(([name]) => name !== 'launcher'))
  const loadBefore = loadAverage()
  print(`room-cost: ${seconds} s idle, then ${seconds} s with ${learners} learners (a dialogue every ${every} ms each) on ${target.proxyUrl}; load average ${loadBefore}`)

  const idle = await measure(pids, seconds, async () => {})
  const tallies: LearnerTally[] = []
  const room = await measure(pids, seconds, async (signal) => {
    const done = await Promise.all(Array.from({ length: learners }, (_, i) => runLearner(target.proxyUrl, i, every, signal)))
    tallies.push(...done)
  })
  const loadAfter = loadAverage()

  const rows = Object.keys(pids).map(
    (name) => `  ${name.padEnd(10)} ${percent(idle.cpuMsByProcess[name], idle.seconds).padStart(8)}  ${percent(room.cpuMsByProcess[name], room.seconds).padStart(8)}`,
  )
  const sum = (phase: Phase) => Object.values(phase.cpuMsByProcess).reduce((a, b) => a + b, 0)
  const dialogues = tallies.reduce((a, t) => a + t.dialogues, 0)
  const failed = tallies.reduce((a, t) => a + t.failed, 0)
  const requests = tallies.reduce((a, t) => a + t.requests, 0)
  const streams = tallies.filter((t) => t.streamOpened).length
  print(
    [
      `  process        idle      room   (CPU, % of one core)`,
      ...rows,
      `  ${'all'.padEnd(10)} ${percent(sum(idle), idle.seconds).padStart(8)}  ${percent(sum(room), room.seconds).padStart(8)}`,
      `  learners: ${learners}, event streams opened ${streams}/${learners}; ${dialogues} dialogues (${(dialogues / room.seconds).toFixed(1)}/s), ${failed} failed; ${(requests / room.seconds).toFixed(1)} requests/s`,
      `  load average: before ${loadBefore}, after ${loadAfter}`,
    ].join('\n'),
  )
  return failed === 0 && streams === learners ? 0 : 1
}

if (isMain(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), process.env)
}
