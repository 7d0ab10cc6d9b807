/**
 * What the shop sells. Prices are whole won; the clerk always takes them from here, never from a
 * customer's body or token, so nobody can buy a cheaper laptop by editing a request.
 */
export interface Product {
  readonly id: string
  readonly name: string
  /** Korean name, for `sayKo` */
  readonly nameKo: string
  /** won per item, an integer */
  readonly unitPrice: number
}

/** the most lines one cart may hold: the product asked about and up to 49 more (`--items 50`) */
export const MAX_CART_LINES = 50

/**
 * Small accessories, `acc-01` … `acc-49`, so a cart can grow to MAX_CART_LINES different products
 * (the load test's `--items N` fills a cart with the laptop and the first N-1 of them): 10,000 won
 * and up, 1,000 won apart.
 */
export const ACCESSORIES: readonly Product[] = Array.from({ length: MAX_CART_LINES - 1 }, (_, i) => {
  const n = String(i + 1).padStart(2, '0')
  return { id: `acc-${n}`, name: `accessory ${n}`, nameKo: `액세서리 ${n}`, unitPrice: 10_000 + i * 1_000 }
})

export const CATALOG: ReadonlyMap<string, Product> = new Map(
  (
    [
      { id: 'laptop', name: 'laptop', nameKo: '노트북', unitPrice: 1_000_000 },
      { id: 'monitor', name: 'monitor', nameKo: '모니터', unitPrice: 300_000 },
      { id: 'keyboard', name: 'keyboard', nameKo: '키보드', unitPrice: 80_000 },
      { id: 'mouse', name: 'mouse', nameKo: '마우스', unitPrice: 30_000 },
      ...ACCESSORIES,
    ] satisfies Product[]
  ).map((p) => [p.id, Object.freeze(p)]),
)

export const MIN_QUANTITY = 1
export const MAX_QUANTITY = 100

export const PAYMENT_METHODS = ['card', 'cash'] as const
export type PaymentMethod = (typeof PAYMENT_METHODS)[number]

export function findProduct(id: string): Product | undefined {
  return CATALOG.get(id)
}

/** 2000000 → "2,000,000 won" */
export function formatWon(amount: number): string {
  return `${amount.toLocaleString('en-US')} won`
}

/**
 * Korean amounts are read in units of 만 (10,000) and 억 (100,000,000):
 * 1000000 → "100만원", 2080000 → "208만원", 100000000 → "1억원", 35000 → "3만 5000원".
 */
export function formatWonKo(amount: number): string {
  const eok = Math.floor(amount / 100_000_000)
  const man = Math.floor((amount % 100_000_000) / 10_000)
  const rest = amount % 10_000
  const parts: string[] = []
  if (eok > 0) parts.push(`${eok}억`)
  if (man > 0) parts.push(`${man}만`)
  if (rest > 0 || parts.length === 0) parts.push(String(rest))
  return `${parts.join(' ')}원`
}
