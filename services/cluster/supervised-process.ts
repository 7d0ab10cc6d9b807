import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { answersOk } from '../common/answers-ok.js'
import type { ProcessState } from '../common/vocabulary.js'
import { waitFor } from '../common/wait-for.js'
import type { ClusterEvent } from './cluster-events.js'
import type { ProcessSpec } from './plan.js'

/** why the current child is going away; decides whether it comes back by itself */
type Intent = 'none' | 'kill' | 'terminate' | 'stop'

export interface SupervisedProcessOptions {
  /** the directory holding the built scripts (dist/) */
  distDir: string
  cwd: string
  /** the environment every child inherits (the launcher's own) */
  baseEnv: NodeJS.ProcessEnv
  onEvent: (event: ClusterEvent) => void
  /** where a child's output lines go, prefixed with its id */
  onOutput?: (id: string, line: string, stream: 'stdout' | 'stderr') => void
  /** how long a child may take to answer its ready path (ms) */
  readyTimeoutMs?: number
  /** how long a SIGTERM may take before SIGKILL follows (ms) */
  graceMs?: number
}

export interface ProcessStatus {
  id: string
  kind: ProcessSpec['kind']
  pid: number | null
  port: number
  state: ProcessState
  restarts: number
  slowMs: number
}

/**
 * One child of the launcher (a clerk, the proxy, or a front: HAProxy, nginx) and the supervisor rule that goes with it:
 * a child that dies on its own is reported and restarted with backoff; one stopped on purpose
 * (chaos kill/terminate, or the cluster stopping) stays down until `revive()`.
 *
 * Children run in their own process group (`detached`), so a Ctrl-C in the terminal reaches only
 * the launcher, which then stops them in order (proxy, clerks, redis) instead of all at once.
 *
 * @example
 *   const clerk = new SupervisedProcess(spec, { distDir, onEvent: console.log })
 *   await clerk.start()
 *   await clerk.kill()      // SIGKILL; not restarted
 *   await clerk.revive()    // same id, same port
 */
export class SupervisedProcess {
  readonly spec: ProcessSpec
  private readonly options: Required<Omit<SupervisedProcessOptions, 'onOutput'>> & Pick<SupervisedProcessOptions, 'onOutput'>
  private child: ChildProcess | undefined
  private exit: Promise<void> = Promise.resolve()
  private intent: Intent = 'none'
  private currentState: ProcessState = 'stopped'
  private restartTimer: NodeJS.Timeout | undefined
  private restartCount = 0
  private crashStreak = 0
  private startedAt = 0
  /** a child that never got ready (bad configuration, missing build) is not restarted in a loop */
  private everReady = false
  /** the clerk's current /_admin/slow, as last set through the launcher (0 after a restart) */
  slowMs = 0

  constructor(spec: ProcessSpec, options: SupervisedProcessOptions) {
    this.spec = spec
    this.options = {
      readyTimeoutMs: 20_000, // 20 s: two noisy cores, several Node processes starting at once
      graceMs: 8_000, // 8 s: a clerk drains well within this, and the proxy's 10 s call deadline still covers it
      ...options,
    }
  }

  get state(): ProcessState {
    return this.currentState
  }

  get pid(): number | undefined {
    return this.alive() ? this.child?.pid : undefined
  }

  get url(): string {
    return `http://127.0.0.1:${this.spec.port}`
  }

  status(): ProcessStatus {
    return {
      id: this.spec.id,
      kind: this.spec.kind,
      pid: this.pid ?? null,
      port: this.spec.port,
      state: this.currentState,
      restarts: this.restartCount,
      slowMs: this.slowMs,
    }
  }

  alive(): boolean {
    const c = this.child
    return Boolean(c && c.exitCode === null && c.signalCode === null)
  }

  /** Spawns the child and resolves once its ready path answers 2xx. */
  async start(): Promise<void> {
    if (this.alive()) return
    this.clearRestartTimer()
    this.intent = 'none'
    this.slowMs = 0
    this.currentState = 'starting'
    const [file, ...args] = this.spec.command ?? [process.execPath, join(this.options.distDir, this.spec.script)]
    const child = spawn(file!, args, {
      cwd: this.options.cwd,
      env: { ...this.options.baseEnv, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    this.child = child
    this.startedAt = Date.now()
    this.pipeOutput(child)
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.onExit(child, code, signal)
        resolve()
      })
    })
    child.once('error', () => {
      // spawn failures also emit 'exit' (or nothing when the binary is missing, which cannot
      // happen for process.execPath); the readiness wait below reports it
    })
    // waitFor keeps polling through errors, so an exit during start-up is raced in separately:
    // a clerk that refuses its configuration fails the start at once, not after the deadline
    const exitedEarly = this.exit.then(() => {
      throw new Error(`${this.spec.id} exited while starting (code ${child.exitCode ?? child.signalCode})`)
    })
    exitedEarly.catch(() => {})
    let gaveUp = false
    try {
      await Promise.race([
        exitedEarly,
        waitFor(
          async () => {
            if (gaveUp) return true // the race is lost already: stop polling
            return answersOk(this.url + this.spec.readyPath)
          },
          { what: `${this.spec.id} on port ${this.spec.port}`, timeoutMs: this.options.readyTimeoutMs, intervalMs: 50 },
        ),
      ])
    } catch (err) {
      gaveUp = true
      if (child === this.child && this.alive()) {
        this.intent = this.intent === 'none' ? 'kill' : this.intent
        child.kill('SIGKILL')
        await this.exit
      }
      throw err
    }
    if (child === this.child && this.currentState === 'starting') {
      this.currentState = 'running'
      this.everReady = true
      this.options.onEvent({ type: 'started', id: this.spec.id, pid: child.pid ?? -1, port: this.spec.port })
    }
  }

  /** chaos kill: SIGKILL, resolves once the process is gone; it stays down until revive() */
  async kill(): Promise<void> {
    const child = this.requireAlive('kill')
    this.intent = 'kill'
    child.kill('SIGKILL')
    await this.exit
  }

  /**
   * chaos terminate: SIGTERM (the clerk drains and exits 0), resolves once it is gone. A paused
   * process holds SIGTERM until it runs again, so it also gets SIGCONT.
   */
  async terminate(): Promise<{ code: number | null; signal: string | null }> {
    const child = this.requireAlive('terminate')
    this.intent = 'terminate'
    await this.signalAndWait(child, 'SIGTERM')
    return { code: child.exitCode, signal: child.signalCode }
  }

  pause(): void {
    const child = this.requireAlive('pause')
    if (this.currentState === 'paused') throw new StateError(`${this.spec.id} is already paused`)
    child.kill('SIGSTOP')
    this.currentState = 'paused'
  }

  resume(): void {
    const child = this.requireAlive('resume')
    if (this.currentState !== 'paused') throw new StateError(`${this.spec.id} is not paused (it is ${this.currentState})`)
    child.kill('SIGCONT')
    this.currentState = 'running'
  }

  /** chaos revive: starts a dead or stopped child again with the same id and port */
  async revive(): Promise<void> {
    if (this.alive()) {
      throw new StateError(`${this.spec.id} is ${this.currentState}, not dead: nothing to revive`)
    }
    await this.start()
  }

  /** the cluster stops: SIGTERM, SIGKILL after the grace period, never restarted */
  async shutdown(): Promise<void> {
    this.clearRestartTimer()
    this.intent = 'stop'
    const child = this.child
    if (child && this.alive()) await this.signalAndWait(child, 'SIGTERM')
    this.currentState = 'stopped'
  }

  /** last resort (second Ctrl-C, launcher exiting): SIGKILL now, synchronously */
  forceKill(): void {
    this.clearRestartTimer()
    this.intent = 'stop'
    if (this.child && this.alive()) this.child.kill('SIGKILL')
  }

  private async signalAndWait(child: ChildProcess, sig: NodeJS.Signals): Promise<void> {
    child.kill(sig)
    if (this.currentState === 'paused') child.kill('SIGCONT')
    const grace = setTimeout(() => {
      if (this.child === child && this.alive()) child.kill('SIGKILL')
    }, this.options.graceMs)
    await this.exit
    clearTimeout(grace)
  }

  private requireAlive(verb: string): ChildProcess {
    const child = this.child
    if (!child || !this.alive()) {
      throw new StateError(`${this.spec.id} is ${this.currentState}: cannot ${verb} it (revive it first)`)
    }
    return child
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return
    const expected = this.intent !== 'none'
    this.options.onEvent({ type: 'exited', id: this.spec.id, pid: child.pid ?? -1, code, signal, expected })
    if (this.intent === 'kill') {
      this.currentState = 'dead'
      return
    }
    if (expected) {
      this.currentState = 'stopped'
      return
    }
    this.currentState = 'dead'
    if (this.everReady) this.scheduleRestart()
  }

  private scheduleRestart(): void {
    const upFor = Date.now() - this.startedAt
    this.crashStreak = upFor >= restartBackoff.stableMs ? 1 : this.crashStreak + 1
    const delayMs = restartDelayMs(this.crashStreak)
    this.restartCount++
    this.options.onEvent({ type: 'restarting', id: this.spec.id, delayMs, restarts: this.restartCount })
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined
      this.start().catch((err: Error) => {
        this.options.onEvent({ type: 'restart-failed', id: this.spec.id, reason: err.message })
        // start() killed the half-started child on purpose; keep trying while nobody chose otherwise
        if (this.intent === 'kill' && !this.alive()) {
          this.intent = 'none'
          this.currentState = 'dead'
          this.scheduleRestart()
        }
      })
    }, delayMs)
  }

  private clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer)
    this.restartTimer = undefined
  }

  private pipeOutput(child: ChildProcess): void {
    const onOutput = this.options.onOutput
    if (!onOutput) {
      child.stdout?.resume()
      child.stderr?.resume()
      return
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      let pending = ''
      child[stream]?.on('data', (chunk: Buffer) => {
        pending += chunk.toString()
        const lines = pending.split('\n')
        pending = lines.pop() ?? ''
        for (const line of lines) if (line) onOutput(this.spec.id, line, stream)
      })
    }
  }
}

/** an action that does not fit the process's state (kill a dead clerk, resume a running one) */
export class StateError extends Error {
  override name = 'StateError'
}

/**
 * Pure: how long to wait before restarting a child that died unexpectedly. Doubling from 250 ms
 * up to 5 s keeps a clerk that crashes at start (a port in use, a bad build) from spinning the
 * CPU, while a one-off crash comes back almost at once. A child that stayed up for `stableMs`
 * counts as healthy again, so its next crash starts from the short delay.
 */
export const restartBackoff = Object.freeze({
  firstMs: 250, // 250 ms
  maxMs: 5_000, // 5 s
  stableMs: 10_000, // 10 s up = the crash streak is over
})

/** @param crashStreak crashes in a row, 1 for the first */
export function restartDelayMs(crashStreak: number, { firstMs, maxMs } = restartBackoff): number {
  const n = Math.max(1, Math.floor(crashStreak))
  return Math.min(maxMs, firstMs * 2 ** Math.min(n - 1, 30))
}
