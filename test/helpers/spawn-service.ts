import { spawn, type ChildProcess } from 'node:child_process'
import { answersOk } from '../../services/common/answers-ok.js'
import { freePort } from '../../services/common/free-port.js'
import { keepOutputTail } from '../../services/common/output-tail.js'
import { projectRoot } from '../../services/common/project-root.js'
import { waitFor } from '../../services/common/wait-for.js'
import { holdsListener } from './listener-owner.js'

/**
 * Runs one built service (`dist/...`) as a real child process and waits until `readyUrl` answers
 * 2xx from a socket this service (or a process it started) listens on (listener-owner.ts). Output is kept (and printed when the test fails to start it). Everything spawned here is
 * killed when the test worker exits, so a failing test leaves no process behind.
 *
 * @example
 *   const clerk = await spawnService('services/clerk/main.js', { CLERK_PORT: '3001', CLERK_ID: 'clerk-a' },
 *     'http://127.0.0.1:3001/healthz')
 *   await clerk.signal('SIGKILL')
 */
export interface SpawnedService {
  readonly child: ChildProcess
  readonly pid: number
  output(): string
  exited(): boolean
  /** sends a signal and, for SIGKILL/SIGTERM, waits for the exit; resolves with the exit code */
  signal(sig: NodeJS.Signals): Promise<number | null>
  /** SIGKILL, if still alive (idempotent) */
  stop(): Promise<void>
}

const alive = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL')
})

export async function spawnService(
  distScript: string,
  env: Record<string, string>,
  readyUrl: string | undefined,
  { timeoutMs = 15_000 }: { timeoutMs?: number } = {},
): Promise<SpawnedService> {
  const child = spawn(process.execPath, [`dist/${distScript}`], {
    cwd: projectRoot(import.meta.url),
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  alive.add(child)
  const output = keepOutputTail(child, 200_000) // chars
  const exitCode = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      alive.delete(child)
      resolve(code)
    }),
  )
  const exited = () => child.exitCode !== null || child.signalCode !== null
  if (readyUrl) {
    const readyPort = new URL(readyUrl).port === '' ? undefined : Number(new URL(readyUrl).port)
    try {
      // the answer must come from this service, not from whatever else took its port meanwhile;
      // a service that exits stops the wait at once
      await waitFor(async () => exited() || ((await answersOk(readyUrl)) && (readyPort === undefined || holdsListener(child.pid ?? -1, readyPort))), {
        what: `${distScript} at ${readyUrl}`,
        timeoutMs,
      })
      if (exited()) throw new Error(`exited early with ${child.exitCode ?? child.signalCode}`)
    } catch (err) {
      child.kill('SIGKILL')
      throw new Error(`${(err as Error).message}\n--- output of ${distScript} ---\n${output()}`, { cause: err })
    }
  }
  return {
    child,
    pid: child.pid ?? -1,
    output,
    exited,
    async signal(sig) {
      if (exited()) return child.exitCode
      child.kill(sig)
      if (sig === 'SIGKILL' || sig === 'SIGTERM' || sig === 'SIGINT') return exitCode
      return null
    },
    async stop() {
      if (!exited()) {
        child.kill('SIGKILL')
        await exitCode
      }
    },
  }
}

/**
 * Starts a service on a free port (`start(port)`), and on another one when a process running
 * alongside took that port in the moment between (the service says "address already in use").
 */
export async function spawnOnFreePort(start: (port: number) => Promise<SpawnedService>, tries = 3): Promise<{ port: number; service: SpawnedService }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    try {
      return { port, service: await start(port) }
    } catch (err) {
      if (attempt >= tries || !/address already in use|EADDRINUSE/.test((err as Error).message)) throw err
    }
  }
}
