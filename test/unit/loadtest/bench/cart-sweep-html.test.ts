import { describe, expect, it } from 'vitest'
import { parseBenchClerkArguments } from '../../../../loadtest/args/bench-clerk-arguments.js'
import { renderCartSweepHtml } from '../../../../loadtest/bench/cart-sweep-html.js'
import type { CartRow } from '../../../../loadtest/bench/cart-sweep.js'
import { MODES } from '../../../../services/common/vocabulary.js'

// issue 15: `bench:clerk -- --items 1,5,20,50 --html FILE` draws where carrying the cart costs more
const row = (items: number, mode: CartRow['mode'], bytes: number, cpu: number): CartRow => ({
  items,
  mode,
  sentPerDialogue: bytes / 2,
  receivedPerDialogue: bytes / 2,
  cpuMsPerDialogue: cpu,
  p50Ms: cpu * 3,
  p99Ms: cpu * 9,
  dialoguesPerSec: 100,
})
const rows = [1, 5, 20, 50].flatMap((items) => [
  row(items, 'stateful', 2900 + items * 100, 2),
  row(items, 'stateless', 3300 + items * 200, 1.5),
  row(items, 'shared', 2900 + items * 100, 3),
])

describe('the cart sweep page', () => {
  const html = renderCartSweepHtml(rows, ['50 products: stateless still costs less than shared'], [1.5, 1.2, 1.1])

  it('draws bytes, CPU and p50 against the cart size, one line per mode in each chart', () => {
    expect(html.match(/<svg /g)).toHaveLength(3)
    for (const mode of MODES) expect(html.match(new RegExp(`<polyline data-mode="${mode}"`, 'g'))).toHaveLength(3)
    // the stateless line reaches the top of the bytes chart: 3300 + 50 × 200 = 13300 B is the largest
    expect(html).toContain('stateless, 50 products: 13300 B')
    expect(html).toContain('<li>50 products: stateless still costs less than shared</li>')
  })

  it('is one self-contained page: no script, nothing fetched', () => {
    expect(html).not.toMatch(/<script|src=|href=/i)
  })

  it('is asked for with --html FILE', () => {
    expect(parseBenchClerkArguments(['--items', '1,50', '--html', 'cart.html']).htmlFile).toBe('cart.html')
    expect(parseBenchClerkArguments([]).htmlFile).toBeUndefined()
  })
})
