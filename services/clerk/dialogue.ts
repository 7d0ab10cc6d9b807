/**
 * The laptop-shop dialogue, once, with no I/O: given where a conversation stands and what the
 * customer just said (a request body), it answers with the clerk's reply and where the
 * conversation stands next, or with a failure naming the registry error to answer with.
 *
 *   ask  {"product":"laptop"}  → "1,000,000 won."
 *   buy  {"quantity":2}        → "2,000,000 won. Credit card or cash?"
 *   pay  {"method":"card"}     → a charge for the ledger, and paid() → "Payment of … completed."
 *
 * A cart: buy may name more products beside the one asked about,
 *   buy  {"quantity":2,"items":[{"product":"acc-01","quantity":1}]} → "2,010,000 won. …"
 * and the state then carries those lines to pay (in a stateless token, all of them, every step).
 * Without `items` every answer and state is the classic dialogue's, byte for byte.
 *
 * Nothing here throws on any input (property tests hold it to that); nothing here knows where the
 * state is kept (clerk memory, the client's token, Redis): that is the session modes' job.
 */
import { findProduct, formatWon, formatWonKo, MAX_CART_LINES, MAX_QUANTITY, MIN_QUANTITY, PAYMENT_METHODS, type PaymentMethod, type Product } from './catalog.js'
import { STEPS, type Step } from '../common/vocabulary.js'
import type { ClerkErrorCode } from './errors.js'

/** One more line of a cart, beside the product asked about. */
export interface CartLine {
  readonly productId: string
  readonly quantity: number
}

/**
 * Where a conversation stands: the last step that succeeded and what it settled. `items` (buy and
 * pay) only when the cart has lines beyond the asked product: a classic state has no such key.
 */
export type DialogueState =
  | { readonly step: 'none' }
  | { readonly step: 'ask'; readonly dialogueId: string; readonly productId: string }
  | { readonly step: 'buy'; readonly dialogueId: string; readonly productId: string; readonly quantity: number; readonly items?: readonly CartLine[] }
  | {
      readonly step: 'pay'
      readonly dialogueId: string
      readonly productId: string
      readonly quantity: number
      readonly method: PaymentMethod
      readonly items?: readonly CartLine[]
    }

export const NO_DIALOGUE: DialogueState = Object.freeze({ step: 'none' })

/** Which steps may follow which (ask always starts over; a paid pay may be replayed). */
export const ALLOWED_AFTER: Readonly<Record<DialogueState['step'], readonly Step[]>> = Object.freeze({
  none: ['ask'],
  ask: ['ask', 'buy'],
  buy: STEPS, // any: start over, change the quantity, or pay
  pay: ['ask', 'pay'],
})

export interface ProductView {
  id: string
  name: string
  unitPrice: number
}

export interface CartLineView extends ProductView {
  quantity: number
}

export interface DialogueReply {
  step: Step
  say: string
  sayKo: string
  product: ProductView
  quantity?: number
  /** the cart's other lines (buy, when it has any) */
  items?: CartLineView[]
  total?: number
  method?: PaymentMethod
  /** the step the customer is expected to take next */
  next: Step[]
}

export interface DialogueFailure {
  code: ClerkErrorCode
  message: string
  say?: string
  sayKo?: string
  field?: string
  expected?: readonly Step[]
}

/** What pay asks the ledger to write (idempotent per dialogueId). */
export interface Charge {
  dialogueId: string
  productId: string
  quantity: number
  unitPrice: number
  total: number
  method: PaymentMethod
  /** the cart's other lines, when it has any; `total` includes them */
  items?: readonly CartLine[]
}

export type StepResult = { ok: true; reply: DialogueReply; state: DialogueState } | { ok: false; failure: DialogueFailure }
export type PayResult = { ok: true; charge: Charge } | { ok: false; failure: DialogueFailure }

// ---------------------------------------------------------------------------------------------
// Reading what the customer said. A body is a JSON object with exactly the fields of its step;
// `unitPrice` and `total` may be stated as claims, and a claim that is not the catalog's price is
// refused (price_mismatch), so a client can never talk the clerk into a cheaper laptop.

type Body = Record<string, unknown>
type Parsed<T> = { ok: true; value: T } | { ok: false; failure: DialogueFailure }

function fail(code: ClerkErrorCode, message: string, extra: Partial<DialogueFailure> = {}): { ok: false; failure: DialogueFailure } {
  return { ok: false, failure: { code, message, ...extra } }
}

function isPlainObject(body: unknown): body is Body {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
}

/** quotes a customer's value in a sentence without letting a huge or odd value through */
export function quote(value: unknown): string {
  let text: string
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  } catch {
    text = typeof value
  }
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}

function checkShape(body: unknown, step: Step, required: readonly string[], optional: readonly string[]): Parsed<Body> {
  if (!isPlainObject(body)) {
    return fail('CLERK_ERR_INVALID_BODY', `The body of ${step} must be a JSON object such as ${EXAMPLES[step]}.`)
  }
  for (const key of Object.keys(body)) {
    if (!required.includes(key) && !optional.includes(key)) {
      return fail('CLERK_ERR_INVALID_BODY', `${step} does not take the field ${quote(key)}; send ${EXAMPLES[step]}.`, {
        field: key,
      })
    }
  }
  for (const key of required) {
    if (!Object.hasOwn(body, key)) {
      return fail('CLERK_ERR_INVALID_BODY', `${step} needs the field "${key}", as in ${EXAMPLES[step]}.`, { field: key })
    }
  }
  return { ok: true, value: body }
}

const EXAMPLES: Record<Step, string> = {
  ask: '{"product":"laptop"}',
  buy: '{"quantity":2}',
  pay: '{"method":"card"}',
}

export function readProduct(value: unknown): Parsed<Product> {
  if (typeof value !== 'string') {
    return fail('CLERK_ERR_INVALID_BODY', 'product must be a string such as "laptop".', { field: 'product' })
  }
  const product = findProduct(value.trim().toLowerCase())
  if (!product) {
    return fail('CLERK_ERR_UNKNOWN_PRODUCT', `We do not sell ${quote(value)}; try laptop, monitor, keyboard or mouse.`, {
      say: `Sorry, we do not sell ${quote(value)}.`,
      sayKo: '죄송합니다, 그 상품은 팔지 않습니다.',
      field: 'product',
    })
  }
  return { ok: true, value: product }
}

export function readQuantity(value: unknown): Parsed<number> {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_QUANTITY || value > MAX_QUANTITY) {
    return fail('CLERK_ERR_INVALID_QUANTITY', `quantity must be a whole number from ${MIN_QUANTITY} to ${MAX_QUANTITY}, got ${quote(value)}.`, { field: 'quantity' })
  }
  return { ok: true, value }
}

/**
 * A cart's other lines as the customer says them: `[{"product":"acc-01","quantity":1}, …]`, at
 * most MAX_CART_LINES - 1 of them (the asked product is the first line).
 */
export function readCart(value: unknown): Parsed<CartLine[]> {
  if (!Array.isArray(value)) {
    return fail('CLERK_ERR_INVALID_BODY', 'items must be a list such as [{"product":"acc-01","quantity":1}].', { field: 'items' })
  }
  if (value.length > MAX_CART_LINES - 1) {
    return fail('CLERK_ERR_INVALID_BODY', `A cart holds at most ${MAX_CART_LINES} products: the one asked about and ${MAX_CART_LINES - 1} items, got ${value.length} items.`, {
      field: 'items',
    })
  }
  const lines: CartLine[] = []
  for (const item of value) {
    if (!isPlainObject(item) || Object.keys(item).some((k) => k !== 'product' && k !== 'quantity')) {
      return fail('CLERK_ERR_INVALID_BODY', 'Each item must be {"product":…,"quantity":…} and nothing else.', { field: 'items' })
    }
    const product = readProduct(item.product)
    if (!product.ok) return product
    const quantity = readQuantity(item.quantity)
    if (!quantity.ok) return quantity
    lines.push({ productId: product.value.id, quantity: quantity.value })
  }
  return { ok: true, value: lines }
}

/** what the cart's other lines cost, and how they read in an answer (undefined: a line's product is gone) */
function priceCart(items: readonly CartLine[]): { total: number; views: CartLineView[] } | undefined {
  let total = 0
  const views: CartLineView[] = []
  for (const line of items) {
    const product = findProduct(line.productId)
    if (!product) return undefined
    total += product.unitPrice * line.quantity
    views.push({ ...view(product), quantity: line.quantity })
  }
  return { total, views }
}

export function readMethod(value: unknown): Parsed<PaymentMethod> {
  if (typeof value !== 'string' || !(PAYMENT_METHODS as readonly string[]).includes(value)) {
    return fail('CLERK_ERR_INVALID_METHOD', `method must be "card" or "cash", got ${quote(value)}.`, {
      say: 'Credit card or cash?',
      sayKo: '신용카드, 현금 중에 어떤 걸로 구매하시겠어요?',
      field: 'method',
    })
  }
  return { ok: true, value: value as PaymentMethod }
}

/** A stated unitPrice/total must be exactly the clerk's own figure. */
function checkClaims(body: Body, unitPrice: number, total: number | undefined): Parsed<true> {
  if (Object.hasOwn(body, 'unitPrice') && body.unitPrice !== unitPrice) {
    return fail('CLERK_ERR_PRICE_MISMATCH', `The unit price is ${formatWon(unitPrice)}, not ${quote(body.unitPrice)}.`, {
      field: 'unitPrice',
    })
  }
  if (total !== undefined && Object.hasOwn(body, 'total') && body.total !== total) {
    return fail('CLERK_ERR_PRICE_MISMATCH', `The total is ${formatWon(total)}, not ${quote(body.total)}.`, {
      field: 'total',
    })
  }
  return { ok: true, value: true }
}

function view(product: Product): ProductView {
  return { id: product.id, name: product.name, unitPrice: product.unitPrice }
}

const METHOD_WORDS: Record<PaymentMethod, { en: string; ko: string }> = {
  card: { en: 'credit card', ko: '신용카드' },
  cash: { en: 'cash', ko: '현금' },
}

// ---------------------------------------------------------------------------------------------
// The three steps.

/**
 * ask: the price of one. Always starts a new dialogue (an unpaid earlier one is dropped), so the
 * caller supplies the new dialogue's id.
 */
export function ask(_state: DialogueState, body: unknown, dialogueId: string): StepResult {
  const shape = checkShape(body, 'ask', ['product'], ['unitPrice'])
  if (!shape.ok) return shape
  const product = readProduct(shape.value.product)
  if (!product.ok) return product
  const claims = checkClaims(shape.value, product.value.unitPrice, undefined)
  if (!claims.ok) return claims
  const p = product.value
  return {
    ok: true,
    reply: {
      step: 'ask',
      say: `${formatWon(p.unitPrice)}.`,
      sayKo: `${formatWonKo(p.unitPrice)} 입니다.`,
      product: view(p),
      next: ['buy'],
    },
    state: { step: 'ask', dialogueId, productId: p.id },
  }
}

/** buy: the total for a quantity; may be repeated before pay to change the quantity. */
export function buy(state: DialogueState, body: unknown): StepResult {
  const shape = checkShape(body, 'buy', ['quantity'], ['unitPrice', 'total', 'items'])
  if (!shape.ok) return shape
  const quantity = readQuantity(shape.value.quantity)
  if (!quantity.ok) return quantity
  const q = quantity.value
  const cart = Object.hasOwn(shape.value, 'items') ? readCart(shape.value.items) : { ok: true as const, value: [] }
  if (!cart.ok) return cart
  if (state.step === 'none') {
    return fail('CLERK_ERR_CONTEXT_LOST', 'This clerk has no record of your dialogue.', {
      say: `${q} of what? What would you like to buy?`,
      sayKo: `무엇을 ${q}개 구매하시겠어요?`,
    })
  }
  // defense in depth: whatever carrier passed the state in, it is checked here once more
  const known = readDialogueState(state)
  if (!known || known.step === 'none') return unusableState()
  if (known.step === 'pay') {
    return outOfOrder('buy', known)
  }
  const product = findProduct(known.productId)
  const priced = priceCart(cart.value)
  if (!product || !priced) return unusableState()
  const total = product.unitPrice * q + priced.total
  const claims = checkClaims(shape.value, product.unitPrice, total)
  if (!claims.ok) return claims
  const items = cart.value.length > 0 ? { items: cart.value } : {}
  return {
    ok: true,
    reply: {
      step: 'buy',
      say: `${formatWon(total)}. Credit card or cash?`,
      sayKo: `${formatWonKo(total)} 입니다. 신용카드, 현금 중에 어떤 걸로 구매하시겠어요?`,
      product: view(product),
      quantity: q,
      ...(cart.value.length > 0 ? { items: priced.views } : {}),
      total,
      next: ['pay'],
    },
    state: { step: 'buy', dialogueId: known.dialogueId, productId: product.id, quantity: q, ...items },
  }
}

/**
 * pay: what to charge. The ledger writes it (once per dialogueId); paid() then words the answer.
 * A dialogue already paid yields the same charge again, so the ledger replays the same order.
 */
export function pay(state: DialogueState, body: unknown): PayResult {
  const shape = checkShape(body, 'pay', ['method'], ['unitPrice', 'total'])
  if (!shape.ok) return shape
  const method = readMethod(shape.value.method)
  if (!method.ok) return method
  if (state.step === 'none') {
    const words = METHOD_WORDS[method.value]
    return fail('CLERK_ERR_CONTEXT_LOST', 'This clerk has no record of your dialogue.', {
      say: `Pay by ${words.en} for what? What would you like to buy?`,
      sayKo: `무엇을 ${words.ko}로 결제하시겠어요? 무엇을 구매하시겠어요?`,
    })
  }
  // defense in depth: a forged or corrupt state must never become a charge (quantity -5, 100000)
  const known = readDialogueState(state)
  if (!known || known.step === 'none') return unusableState()
  if (known.step === 'ask') return outOfOrder('pay', known)
  const product = findProduct(known.productId)
  const priced = priceCart(known.items ?? [])
  if (!product || !priced) return unusableState()
  const total = product.unitPrice * known.quantity + priced.total
  const claims = checkClaims(shape.value, product.unitPrice, total)
  if (!claims.ok) return claims
  return {
    ok: true,
    charge: {
      dialogueId: known.dialogueId,
      productId: product.id,
      quantity: known.quantity,
      ...(known.items ? { items: known.items } : {}),
      unitPrice: product.unitPrice,
      total,
      // a pay repeated after the dialogue was paid asks for this method too: the ledger replays
      // the order when it is the same charge and answers already_paid when it is not, in every
      // mode alike (order-replay.ts)
      method: method.value,
    },
  }
}

/**
 * The answer to a charge the ledger holds, and the state after it. Give it the charge of the
 * order the ledger returned (not the one pay() asked for): on a replay the stored order is the
 * truth, so the answer and the state describe what was actually paid, by the dialogue that paid.
 */
export function paid(charge: Charge): { reply: DialogueReply; state: DialogueState } {
  const product = findProduct(charge.productId)
  const p: ProductView = product ? view(product) : { id: charge.productId, name: charge.productId, unitPrice: charge.unitPrice }
  return {
    reply: {
      step: 'pay',
      say: `Payment of ${formatWon(charge.total)} completed.`,
      sayKo: `${formatWonKo(charge.total)} 결제 완료되었습니다.`,
      product: p,
      quantity: charge.quantity,
      total: charge.total,
      method: charge.method,
      next: ['ask'],
    },
    state: {
      step: 'pay',
      dialogueId: charge.dialogueId,
      productId: charge.productId,
      quantity: charge.quantity,
      method: charge.method,
      ...(charge.items && charge.items.length > 0 ? { items: charge.items } : {}),
    },
  }
}

function outOfOrder(step: Step, state: Exclude<DialogueState, { step: 'none' }>): { ok: false; failure: DialogueFailure } {
  // only two cases reach here: buy after a finished payment, and pay before any buy
  const afterPayment = state.step === 'pay'
  const next: Step[] = afterPayment ? ['ask'] : ['buy']
  return fail('CLERK_ERR_STEP_OUT_OF_ORDER', `${step} cannot follow ${state.step}; expected ${next.join(' or ')}.`, {
    say: afterPayment ? 'Your payment is already complete. What would you like to buy next?' : 'How many would you like? Tell me before paying.',
    sayKo: afterPayment ? '이미 결제가 완료되었습니다. 무엇을 더 구매하시겠어요?' : '몇 개 구매하시겠어요?',
    expected: next,
  })
}

// A state that does not pass readDialogueState (an old token, a catalog change, a store holding
// something we never wrote): there is no dialogue to carry on, start over.
function unusableState(): { ok: false; failure: DialogueFailure } {
  return fail('CLERK_ERR_CONTEXT_LOST', 'Your dialogue cannot be carried on (its product or quantity is not valid); start again with ask.', {
    say: 'What would you like to buy?',
    sayKo: '무엇을 구매하시겠어요?',
  })
}

// Dialogue ids are ours (randomUUID), but a token carries them back from the client: bound them
// like an Idempotency-Key, as they end up in the ledger.
const DIALOGUE_ID = /^[\x21-\x7e]{1,200}$/

/**
 * A state read back from a carrier (a stateless token, this clerk's memory, Redis), checked as
 * strictly as a customer's own words: product in the catalog, quantity a whole number in 1..100,
 * method card or cash, a known step. A signature only says who wrote a token, not that its
 * contents are sane: with the published dev secret anyone can sign quantity -5, and a store may
 * hold a record of an older clerk. Returns a fresh copy with only the state's fields, or
 * undefined; each carrier decides what undefined means (stateless: tampered; sessions: lost).
 *
 * @example
 *   readDialogueState({ step: 'buy', dialogueId: 'd-1', productId: 'laptop', quantity: -5 }) // undefined
 */
export function readDialogueState(value: unknown): DialogueState | undefined {
  if (!isPlainObject(value)) return undefined
  if (value.step === 'none') return NO_DIALOGUE
  const { dialogueId, productId } = value
  if (typeof dialogueId !== 'string' || !DIALOGUE_ID.test(dialogueId)) return undefined
  if (typeof productId !== 'string' || !findProduct(productId)) return undefined
  if (value.step === 'ask') return { step: 'ask', dialogueId, productId }
  const quantity = readQuantity(value.quantity)
  if (!quantity.ok) return undefined
  const items = readStoredCart(value.items)
  if (items === undefined) return undefined
  const cart = items.length > 0 ? { items } : {}
  if (value.step === 'buy') return { step: 'buy', dialogueId, productId, quantity: quantity.value, ...cart }
  const method = readMethod(value.method)
  if (value.step !== 'pay' || !method.ok) return undefined
  return { step: 'pay', dialogueId, productId, quantity: quantity.value, method: method.value, ...cart }
}

/** a carried cart, as strictly as readCart reads a customer's (absent: no lines); undefined when unusable */
function readStoredCart(value: unknown): CartLine[] | undefined {
  if (value === undefined) return []
  const asSaid = Array.isArray(value) ? value.map((line: unknown) => (isPlainObject(line) ? { product: line.productId, quantity: line.quantity } : line)) : value
  const cart = readCart(asSaid)
  return cart.ok ? cart.value : undefined
}
