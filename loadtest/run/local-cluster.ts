/**
 * A private cluster for one load run: `node dist/services/cluster/main.js` (what `npm start`
 * runs) on a free PROXY_PORT with a generated ADMIN_TOKEN, ready once GET /_lb/status shows every
 * clerk healthy. `stop()` ends it whatever happened (SIGTERM: the launcher stops its children in
 * order; SIGKILL if it does not go within the deadline); a load test that crashes still takes it
 * down (SIGTERM on exit).
 *
 * @example
 *   const cluster = await startLocalCluster({ clerkCount: 3 })
 *   try { await runLoad({ target: cluster.proxyUrl, … }) } finally { await cluster.stop() }
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { keepOutputTail } from '../../services/common/output-tail.js'
import { freePortRange } from '../../services/common/free-port.js'
import { waitFor } from '../../services/common/wait-for.js'
import { projectRoot } from '../../services/common/project-root.js'
import { readStateFile, stateFilePath } from '../../services/cluster/state-file.js'
import { createClusterApi } from './cluster-api.js'
import { readLoadtestEnvironment } from '../args/environment.js'
import { LoadtestErrors } from '../errors.js'

export interface LocalClusterOptions {
  clerkCount?: number
  /** extra environment for the launcher and, through it, every clerk and the proxy
   *  (e.g. CLERK_WORK_MS, CLERK_CONCURRENCY, PROXY_ENGINE) */
  env?: Record<string, string>
  /** start-up deadline, ms */
  timeoutMs?: number
}

export interface LocalCluster {
  readonly proxyUrl: string
  readonly proxyPort: number
  readonly adminToken: string
  readonly launcherPid: number
  /** pids by id (launcher, proxy, clerk-a…, redis) from the launcher's state file */
  pids(): Record<string, number>
  /** the launcher's output so far (for error messages) */
  output(): string
  stop(): Promise<void>
}

const launcherScript = 'dist/services/cluster/main.js'

export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const root = projectRoot(import.meta.url)
  if (!existsSync(join(root, launcherScript))) {
    throw new LoadtestErrors.LOADTEST_ERR_CLUSTER(`${launcherScript} is missing: run \`npm run build\` first`)
  }
  let lastError: Error | undefined
  // the clerks take the ports right after PROXY_PORT; if one is taken, try another block
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      return await startOnce(root, options)
    } catch (err) {
      lastError = err as Error
      if (!/already in use|EADDRINUSE/.test(lastError.message)) break
    }
  }
  throw lastError as Error
}

async function startOnce(root: string, options: LocalClusterOptions): Promise<LocalCluster> {
  const clerkCount = options.clerkCount ?? 3
  // the proxy takes the first port, the clerks the next ones
  const proxyPort = await freePortRange(clerkCount + 1).catch((err: Error) => {
    throw new LoadtestErrors.LOADTEST_ERR_CLUSTER(err.message)
  })
  const adminToken = randomBytes(18).toString('base64url')
  const proxyUrl = `http://127.0.0.1:${proxyPort}`
  const child: ChildProcess = spawn(process.execPath, [launcherScript], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: readLoadtestEnvironment().logLevel,
      // one load run's cluster: its ledger goes with it (a crash during the run loses nothing);
      // a data dir in the caller's environment, under its new name or its old one, is not this run's
      CLUSTER_REDIS_THROWAWAY: '1',
      CLUSTER_REDIS_DATA_DIR: '',
      REDIS_DATA_DIR: '', // its old name
      ...options.env,
      PROXY_PORT: String(proxyPort),
      CLERK_COUNT: String(clerkCount),
      ADMIN_TOKEN: adminToken,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output = keepOutputTail(child, 100_000) // chars
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const gone = () => child.exitCode !== null || child.signalCode !== null
  const onExit = () => {
    if (!gone()) child.kill('SIGTERM')
  }
  process.once('exit', onExit)

  async function stop(): Promise<void> {
    process.removeListener('exit', onExit)
    if (gone()) return
    child.kill('SIGTERM')
    const deadline = setTimeout(() => child.kill('SIGKILL'), 15_000) // 15 s for an ordered stop
    await exited
    clearTimeout(deadline)
  }

  const api = createClusterApi({ proxyUrl, adminToken })
  try {
    await Promise.race([
      (async () => {
        await api.waitHealthy(clerkCount, options.timeoutMs ?? 40_000)
        // the launcher writes its state file (pids, for CPU readings) once everything answers
        await waitFor(() => readStateFile(stateFilePath(proxyPort))?.pids.proxy, {
          what: 'the launcher state file',
          timeoutMs: 10_000,
        })
      })(),
      exited.then(() => {
        throw new Error('the launcher exited during start-up')
      }),
    ])
  } catch (err) {
    await stop()
    throw new LoadtestErrors.LOADTEST_ERR_CLUSTER(
      `could not start a local cluster on port ${proxyPort}: ${(err as Error).message}\n--- launcher output ---\n${output().slice(-4000)}`,
    )
  }
  return {
    proxyUrl,
    proxyPort,
    adminToken,
    launcherPid: child.pid ?? -1,
    pids: () => readStateFile(stateFilePath(proxyPort))?.pids ?? {},
    output,
    stop,
  }
}
