import { describe, expect, it } from 'vitest'
import { parseLbCompareArguments, renderLbCompareHtml, renderLbCompareTable, sumRounds, type LbCompareRow } from '../../../../loadtest/lb-compare.js'

// One run's count of dialogues lost to a kill is mostly the instant the kill met: lb-compare runs
// --rounds N of each row and adds them up per balancer, beside every round's own row.
function row(fields: Partial<LbCompareRow> & Pick<LbCompareRow, 'round' | 'balancer'>, exposed: number, lostOfExposed: number): LbCompareRow {
  return {
    mode: 'stateful',
    schedule: 'kill',
    completed: 100,
    contextLost: lostOfExposed,
    failed: 0,
    p99Ms: 500,
    dialoguesPerSec: 10,
    lost: 0,
    doubled: 0,
    chargedUnconfirmed: 0,
    failures: '',
    chaosAtMs: 4_000,
    chaosTrigger: '4 open',
    exposure: { exposed, lostOfExposed, otherLost: 0, savedByReceipt: 0, inStep: { ask: 0, buy: exposed, pay: 0 } },
    ...fields,
  }
}

describe('lb-compare rounds', () => {
  it('reads --rounds (default 1) and --exposed (default a fifth of the customers)', () => {
    expect(parseLbCompareArguments([])).toMatchObject({ rounds: 1, exposedAtChaos: 4 })
    expect(parseLbCompareArguments(['--rounds', '5', '--customers', '10', '--exposed', '0'])).toMatchObject({ rounds: 5, exposedAtChaos: 0 })
    expect(() => parseLbCompareArguments(['--rounds', '0'])).toThrow(/--rounds/)
    expect(() => parseLbCompareArguments(['--customers', '5', '--exposed', '6'])).toThrow(/--exposed/)
  })

  it('adds up each balancer over the rounds, exposure included', () => {
    const rows = [
      row({ round: 1, balancer: 'ours' }, 6, 5),
      row({ round: 1, balancer: 'haproxy' }, 6, 4),
      row({ round: 2, balancer: 'haproxy' }, 5, 5),
      row({ round: 2, balancer: 'ours' }, 5, 4),
    ]
    expect(sumRounds(rows)).toEqual([
      expect.objectContaining({ balancer: 'ours', rounds: 2, completed: 200, contextLost: 9, exposed: 11, lostOfExposed: 9, otherLost: 0 }),
      expect.objectContaining({ balancer: 'haproxy', rounds: 2, completed: 200, contextLost: 9, exposed: 11, lostOfExposed: 9, otherLost: 0 }),
    ])
    const table = renderLbCompareTable(rows)
    expect(table).toMatch(/Summed over 2 rounds/)
    expect(table).toMatch(/\| stateful \| kill \| ours \| 2 \| 200 \| 9 \| 0 \| 11 \| 9 \(82 %\) \| 0 \|/)
    const html = renderLbCompareHtml(rows, parseLbCompareArguments(['--rounds', '2']), '1.00 before, 1.00 after')
    expect(html).toMatch(/<h2>Summed over 2 rounds<\/h2>/)
    expect(html).toMatch(/<th>lost of exposed<\/th>/)
  })

  it('shows one round without a sum', () => {
    expect(renderLbCompareTable([row({ round: 1, balancer: 'ours' }, 6, 5)])).not.toMatch(/Summed/)
  })
})
