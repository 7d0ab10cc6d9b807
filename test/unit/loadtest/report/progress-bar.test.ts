import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createProgressBar, progressFraction, progressLine, remainingMs } from '../../../../loadtest/report/progress-bar.js'
import type { RunProgress } from '../../../../loadtest/run/run-load.js'

const at = (elapsedMs: number, started = 0): RunProgress => ({
  elapsedMs,
  started,
  open: 3,
  counts: { completed: 120, context_lost: 7, no_session: 0, failed: 1, unfinished: 0 },
  dialoguesPerSec: 41,
})
const ESC = String.fromCharCode(27) // starts a terminal's escape sequences
const bounds = { label: 'stateful + round-robin', durationMs: 10_000 }

/** a stream that is not a terminal, collecting what is written */
function pipe(): { stream: NodeJS.WriteStream; text(): string } {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (c: Buffer) => (text += c.toString()))
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text }
}

describe('the load test’s progress', () => {
  it('is the nearer of the run’s bounds, with the time left', () => {
    expect(progressFraction(bounds, at(2500))).toBe(0.25)
    expect(progressFraction({ label: 'x', durationMs: 10_000, dialogues: 100 }, at(2500, 50))).toBe(0.5)
    expect(remainingMs(bounds, at(2500))).toBe(7500)
    // bounded by dialogues only: extrapolated from the pace so far
    expect(remainingMs({ label: 'x', dialogues: 100 }, at(2000, 25))).toBe(6000)
    expect(remainingMs({ label: 'x', dialogues: 100 }, at(2000, 0))).toBeUndefined()
  })

  it.each([200, 120, 80, 60, 40, 24])('fits a terminal %i columns wide, dropping counts then the bar', (width) => {
    const line = progressLine(bounds, at(2500), width)
    expect(line.length).toBeLessThanOrEqual(width)
    expect(line).toContain('stateful')
    if (width >= 40) expect(line).toContain('25%')
    if (width >= 100) expect(line).toMatch(/\[█+░+\] +25% ETA 7\.5s {2}ok 120 lost 7 failed 1/)
  })

  it('writes plain lines, one every 5 s and the last one, when stderr is not a terminal', () => {
    const out = pipe()
    const bar = createProgressBar(bounds, out.stream)
    for (let s = 1; s <= 9; s++) bar.update(at(s * 1000))
    bar.log('  chaos --kill clerk-b@3s: done')
    bar.update(at(9800))
    bar.done()
    const lines = out.text().split('\n').filter(Boolean)
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(/^stateful \+ round-robin {4}1s \[█{4}░+\] +10% ETA 9s/)
    expect(lines[1]).toContain(' 60% ETA 4s')
    expect(lines[2]).toBe('  chaos --kill clerk-b@3s: done')
    expect(lines[3]).toContain(' 98% ETA 200ms')
    // no carriage returns or escape sequences in a log file
    expect(out.text()).not.toContain('\r')
    expect(out.text()).not.toContain(ESC)
  })

  it('redraws one line in place on a narrow terminal, never wider than it, and leaves the last state', () => {
    const out = pipe()
    Object.assign(out.stream, { isTTY: true, columns: 60 })
    const bar = createProgressBar(bounds, out.stream)
    for (let s = 1; s <= 4; s++) bar.update(at(s * 1000))
    bar.done()
    // what a person sees: every drawn line, escape sequences taken out
    const drawn = out
      .text()
      .replaceAll(`${ESC}[1G`, '\n') // cursor to column 1: a redraw
      .replace(new RegExp(`${ESC}(\\[[0-9;?]*[A-Za-z]|[78])`, 'g'), '')
      .split(/[\r\n]/)
      .filter(Boolean)
    expect(drawn.length).toBeGreaterThan(0)
    for (const line of drawn) expect(line.length).toBeLessThan(60)
    expect(drawn.at(-1)).toMatch(/ \[█+░+\] {2}40% ETA 6s$/)
  })
})
