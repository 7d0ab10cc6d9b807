import '../common/supported-node.js'
import { networkInterfaces } from 'node:os'
import { ConfigError } from '../common/options.js'
import { renderBanner } from './banner.js'
import { checkChildEnvironment, type ChildEnvironment } from './child-environment.js'
import { describeEvent, type ClusterEvent } from './cluster-events.js'
import { learnerQrCode, learnerUrls } from './learner-addresses.js'
import { startCluster, type Cluster } from './launcher.js'
import { createLogLines } from './log-lines.js'
import { readClusterOptions, type ClusterOptions } from './options.js'
import { removeStateFile, stateFilePath, writeStateFile } from './state-file.js'

// `npm start`: reads the environment, starts the cluster, prints the banner, stops it on Ctrl-C.

let options: ClusterOptions
let children: ChildEnvironment
try {
  options = readClusterOptions(process.env)
  children = checkChildEnvironment(process.env)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  console.error(`clerk-cluster: ${err.message}`)
  process.exit(1)
}

for (const line of children.deprecations) console.error(`clerk-cluster: ${line}`)

const statePath = stateFilePath(options.proxyPort)
let cluster: Cluster | undefined
let ready = false

const report = (message: string) => console.log(`[cluster ${new Date().toISOString().slice(11, 19)}] ${message}`)

function onEvent(event: ClusterEvent): void {
  report(describeEvent(event))
  if (ready) saveState() // a restart, a revive or a Redis start may change a pid
}

function saveState(): void {
  if (!cluster) return
  writeStateFile(statePath, {
    adminToken: options.adminToken,
    launcherUrl: cluster.launcherUrl,
    proxyUrl: cluster.proxyUrl,
    pids: { launcher: process.pid, ...cluster.pids() },
  })
}

// the safety net: whatever ends this process, no child and no temp file outlive it
process.on('exit', () => {
  cluster?.forceStop()
  removeStateFile(statePath)
})

let firstSignalAt = 0
async function onSignal(signal: NodeJS.Signals): Promise<void> {
  const now = Date.now()
  if (firstSignalAt !== 0) {
    // npm and the shell may pass one Ctrl-C on twice within a moment; a person presses again later
    if (now - firstSignalAt < 500) return
    report(`${signal} again: killing everything now`)
    process.exit(130)
  }
  firstSignalAt = now
  ready = false // from here on the state file only goes away
  onEvent({ type: 'stopping', reason: signal })
  try {
    await cluster?.stop()
  } finally {
    removeStateFile(statePath)
  }
  onEvent({ type: 'stopped' })
  process.exit(0)
}
process.on('SIGINT', (s) => void onSignal(s))
process.on('SIGTERM', (s) => void onSignal(s))

// children's pino lines as readable lines (LOG_FORMAT=json: as they are), coloured on a terminal
const showStdout = createLogLines(options.logFormat, process.stdout.isTTY === true)
const showStderr = createLogLines(options.logFormat, process.stderr.isTTY === true)

try {
  await startCluster(options, {
    baseEnv: children.env,
    onEvent,
    onOutput: (id, line, stream) => {
      const out = stream === 'stderr' ? process.stderr : process.stdout
      out.write(`${(stream === 'stderr' ? showStderr : showStdout)(id, line)}\n`)
    },
    onCreated: (c) => {
      cluster = c
    },
  })
} catch (err) {
  console.error(`clerk-cluster could not start: ${(err as Error).message}`)
  process.exit(1)
}

if (cluster && firstSignalAt === 0) {
  ready = true
  saveState()
  const status = cluster.status()
  const learners = learnerUrls(options.proxyHost, options.proxyPort, networkInterfaces())
  console.log(
    renderBanner({
      proxyPort: options.proxyPort,
      clerks: status.processes.filter((p) => p.kind === 'clerk').map((p) => ({ id: p.id, port: p.port })),
      fronts: status.processes.filter((p) => p.kind === 'front').map((p) => ({ id: p.id, port: p.port })),
      redis: cluster.redis.plan,
      redisUrl: cluster.redis.url,
      adminToken: options.adminToken,
      adminTokenGenerated: options.adminTokenGenerated,
      stateFile: statePath,
      learnerUrls: learners,
    }),
  )
  // room mode: the first learner address as a QR code, for the phones in the room
  if (learners[0] !== undefined) console.log(`  learners: scan to open ${learners[0]}\n${await learnerQrCode(learners[0])}`)
}
