import { spawn, type ChildProcess } from 'node:child_process'
import { answersOk } from '../../services/common/answers-ok.js'
import { keepOutputTail } from '../../services/common/output-tail.js'
import { projectRoot } from '../../services/common/project-root.js'
import { waitFor } from '../../services/common/wait-for.js'

/**
 * Runs one built service (`dist/...`) as a real child process and waits until `readyUrl` answers
 * 2xx. Output is kept (and printed when the test fails to start it). Everything spawned here is
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
    try {
      await waitFor(
        async () => {
          if (exited()) throw new Error(`exited early with ${child.exitCode ?? child.signalCode}`)
          return answersOk(readyUrl)
        },
        { what: `${distScript} at ${readyUrl}`, timeoutMs },
      )
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
