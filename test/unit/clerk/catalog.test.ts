import { describe, expect, it } from 'vitest'
import { CATALOG, formatWon, formatWonKo } from '../../../services/clerk/catalog.js'

describe('the catalog', () => {
  it('sells the laptop at 1,000,000 won, and a few other things', () => {
    expect(CATALOG.get('laptop')?.unitPrice).toBe(1_000_000)
    expect([...CATALOG.keys()].slice(0, 4)).toEqual(['laptop', 'monitor', 'keyboard', 'mouse'])
    expect([...CATALOG.keys()].slice(4)).toEqual(Array.from({ length: 49 }, (_, i) => `acc-${String(i + 1).padStart(2, '0')}`))
    for (const product of CATALOG.values()) expect(Number.isInteger(product.unitPrice)).toBe(true)
  })

  it('words amounts in English with thousands separators', () => {
    expect(formatWon(2_000_000)).toBe('2,000,000 won')
  })

  it.each([
    [1_000_000, '100만원'],
    [2_000_000, '200만원'],
    [30_000, '3만원'],
    [35_000, '3만 5000원'],
    [100_000_000, '1억원'],
    [123_450_000, '1억 2345만원'],
    [500, '500원'],
    [0, '0원'],
  ])('words %i won in Korean as %s', (amount, words) => {
    expect(formatWonKo(amount)).toBe(words)
  })
})
