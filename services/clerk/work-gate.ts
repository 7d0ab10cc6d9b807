/**
 * Shapes how dialogue answers use time, for the scale-out demos: at most `concurrency` answers
 * in progress (the rest wait in FIFO order; 0 = no limit), each taking `workMs` of simulated
 * async work plus whatever `/_admin/slow` set. With all three at 0 it adds nothing.
 *
 * @example
 *   const gate = new WorkGate({ concurrency: 4, workMs: 20 })
 *   const answer = await gate.run(() => handle(request))
 */
export class WorkGate {
  readonly #concurrency: number
  readonly #workMs: number
  slowMs = 0
  #active = 0
  readonly #waiting: Array<() => void> = []

  constructor({ concurrency, workMs }: { concurrency: number; workMs: number }) {
    this.#concurrency = concurrency
    this.#workMs = workMs
  }

  get waiting(): number {
    return this.#waiting.length
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#concurrency === 0 && this.#workMs === 0 && this.slowMs === 0) return fn()
    if (this.#concurrency > 0 && this.#active >= this.#concurrency) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    } else {
      this.#active++
    }
    try {
      const delay = this.#workMs + this.slowMs
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
      return await fn()
    } finally {
      // hand the slot straight to the next in line (active stays the same), or free it
      const next = this.#waiting.shift()
      if (next) next()
      else this.#active--
    }
  }
}
