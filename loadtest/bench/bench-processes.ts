/**
 * The processes a benchmark runs against: clerks sharing one redis-server, a proxy, HAProxy. One
 * place for starting them, waiting until they answer, and stopping them, so that bench:clerk and
 * bench:proxy measure clerks started the same way. Whatever is still running when the benchmark's
 * process exits (a crash, Ctrl-C) is killed with it.
 *
 * @example
 *   const redis = await startRedisServer({ appendOnly: false })
 *   const clerks = await startBenchClerks(['clerk-a', 'clerk-b'], redis.url)
 *   try { … autocannon at clerks[0].url … } finally { await stopAll(clerks.map((c) => c.child)); await redis.stop() }
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { answersOk } from '../../services/common/answers-ok.js'
import { projectRoot } from '../../services/common/project-root.js'
import { waitFor } from '../../services/common/wait-for.js'

export interface BenchClerk {
  id: string
  /** http://127.0.0.1:<port> */
  url: string
  port: number
  child: ChildProcess
}

/** the same secret for every benchmark clerk: the clerks of one run must share it */
const SESSION_SECRET = 'bench-session-secret-of-at-least-32-chars'
const READY_TIMEOUT_MS = 20_000 // 20 s: a starved 2-core machine starts Node slowly

const running = new Set<ChildProcess>()
/** children we are stopping on purpose: their exit is no news */
const stopping = new WeakSet<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** spawns `command` in the project root with `env` over this process's environment */
export function startProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  stdout: 'ignore' | 'pipe' = 'ignore',
): ChildProcess {
  const child = spawn(command, args, {
    cwd: projectRoot(import.meta.url),
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'inherit'],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  return child
}

/** SIGTERM, then SIGKILL if it has not gone within 5 s; resolves once it has exited */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  stopping.add(child)
  const gone = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000) // 5 s
  await gone
  clearTimeout(timer)
}

/** stops the children one after another, the last started first */
export async function stopAll(children: ChildProcess[]): Promise<void> {
  for (const child of [...children].reverse()) await stopProcess(child)
}

/** resolves once GET `url` answers 2xx (20 s at the most) */
export async function waitUp(url: string, what: string): Promise<void> {
  await waitFor(
    () => answersOk(url),
    { what, timeoutMs: READY_TIMEOUT_MS },
  )
}

/**
 * Starts one clerk process per id, all on the same Redis, and resolves once each answers
 * /readyz?mode=shared (so Redis is reachable from it too). Each clerk binds port 0 and we read its
 * address from its "Server listening at" log line: other benchmarks and tests run on this machine
 * at the same time, and a port picked in advance can be taken by one of them before the clerk
 * binds it. A clerk that dies before it is stopped says so on stderr: the figures would lie.
 */
export async function startBenchClerks(
  ids: readonly string[],
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<BenchClerk[]> {
  const clerks: BenchClerk[] = []
  try {
    for (const id of ids) clerks.push(await startBenchClerk(id, redisUrl, env))
  } catch (err) {
    await stopAll(clerks.map((c) => c.child))
    throw err
  }
  return clerks
}

async function startBenchClerk(id: string, redisUrl: string, env: Record<string, string>): Promise<BenchClerk> {
  const child = startProcess(
    process.execPath,
    ['dist/services/clerk/main.js'],
    {
      // the benchmark measures dialogues, every one a new session from one address: no limit
      CLERK_NEW_SESSIONS_PER_MINUTE: '0',
      ...env,
      CLERK_PORT: '0',
      CLERK_HOST: '127.0.0.1',
      CLERK_ID: id,
      REDIS_URL: redisUrl,
      SESSION_SECRET,
      LOG_LEVEL: 'info', // the "Server listening at" line; the clerk does not log each request
    },
    'pipe',
  )
  let output = ''
  let url: string | undefined
  child.stdout?.on('data', (chunk: Buffer) => {
    if (url !== undefined) return
    output += chunk.toString()
    url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
  })
  child.once('exit', (code, signal) => {
    if (!stopping.has(child)) process.stderr.write(`benchmark: clerk ${id} exited (${code ?? signal}) before it was stopped\n`)
  })
  try {
    const ready = await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`clerk ${id} exited with ${child.exitCode}: ${output}`)
        if (url === undefined) return undefined
        return (await answersOk(`${url}/readyz?mode=shared`)) ? url : undefined
      },
      { what: `clerk ${id} ready`, timeoutMs: READY_TIMEOUT_MS },
    )
    return { id, url: ready, port: Number(new URL(ready).port), child }
  } catch (err) {
    await stopProcess(child)
    throw err
  }
}
