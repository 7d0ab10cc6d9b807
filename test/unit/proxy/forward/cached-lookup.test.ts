import type { LookupAddress } from 'node:dns'
import { describe, expect, it } from 'vitest'
import { createCachedLookup, type CachedLookupOptions } from '../../../../proxy/forward/cached-lookup.js'

// The resolver underneath is a function the test answers by hand: each question waits in
// `questions` until the test resolves it, so "slow", "failing" and "gone" are exact, not timed.
type Question = { hostname: string; answer: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void }

function resolverByHand() {
  const questions: Question[] = []
  const resolve: NonNullable<CachedLookupOptions['resolve']> = (hostname, _options, callback) => questions.push({ hostname, answer: callback })
  return { questions, resolve }
}

const at = (address: string): LookupAddress[] => [{ address, family: 4 }]
const failure = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code })

/** one lookup as a promise: the address, or the error's code */
function ask(lookup: ReturnType<typeof createCachedLookup>, hostname: string, all = false): Promise<string | string[]> {
  return new Promise((resolve) => {
    lookup(hostname, { all }, (err, address) => {
      if (err) resolve(`error ${err.code}`)
      else resolve(Array.isArray(address) ? address.map((a) => a.address) : address)
    })
  })
}

describe('the clerks’ cached lookup', () => {
  it('asks once, then answers from what it learned while the answer is fresh', async () => {
    const { questions, resolve } = resolverByHand()
    const lookup = createCachedLookup({ resolve, freshMs: 60_000 })
    const first = ask(lookup, 'clerk-a')
    const second = ask(lookup, 'clerk-a') // asked while the first question is open: no second question
    expect(questions).toHaveLength(1)
    questions[0]?.answer(null, at('10.0.0.7'))
    expect([await first, await second]).toEqual(['10.0.0.7', '10.0.0.7'])
    expect(await ask(lookup, 'clerk-a', true)).toEqual(['10.0.0.7'])
    expect(questions).toHaveLength(1)
  })

  it('keeps serving the last good address while the resolver fails to answer (EAI_AGAIN)', async () => {
    const { questions, resolve } = resolverByHand()
    const lookup = createCachedLookup({ resolve, freshMs: 0, staleAfterMs: 60_000 })
    const learned = ask(lookup, 'clerk-a')
    questions[0]?.answer(null, at('10.0.0.7'))
    await learned
    const during = ask(lookup, 'clerk-a')
    questions[1]?.answer(failure('EAI_AGAIN'), [])
    expect(await during).toBe('10.0.0.7')
  })

  it('does not wait for a resolver that hangs when it knows an address, and takes the new one when it comes', async () => {
    const { questions, resolve } = resolverByHand()
    const lookup = createCachedLookup({ resolve, freshMs: 0, staleAfterMs: 5 })
    const learned = ask(lookup, 'clerk-a')
    questions[0]?.answer(null, at('10.0.0.7'))
    await learned
    // the second question is never answered while this lookup waits: it gets the stale address
    expect(await ask(lookup, 'clerk-a')).toBe('10.0.0.7')
    expect(questions).toHaveLength(2)
    questions[1]?.answer(null, at('10.0.0.9'))
    const next = ask(lookup, 'clerk-a')
    questions[2]?.answer(null, at('10.0.0.9'))
    expect(await next).toBe('10.0.0.9')
  })

  it('treats "no such name" as evidence: the error reaches the connection and the address is forgotten', async () => {
    const { questions, resolve } = resolverByHand()
    const lookup = createCachedLookup({ resolve, freshMs: 0, staleAfterMs: 60_000 })
    const learned = ask(lookup, 'clerk-b')
    questions[0]?.answer(null, at('10.0.0.8'))
    await learned
    const gone = ask(lookup, 'clerk-b')
    questions[1]?.answer(failure('ENOTFOUND'), [])
    expect(await gone).toBe('error ENOTFOUND')
    // nothing stale is left to serve: the next lookup waits for the resolver again
    const again = ask(lookup, 'clerk-b')
    questions[2]?.answer(failure('EAI_AGAIN'), [])
    expect(await again).toBe('error EAI_AGAIN')
  })

  it('fails the first lookup of a name it never resolved, and never asks about an IP address', async () => {
    const { questions, resolve } = resolverByHand()
    const lookup = createCachedLookup({ resolve })
    const unknown = ask(lookup, 'clerk-z')
    questions[0]?.answer(failure('EAI_AGAIN'), [])
    expect(await unknown).toBe('error EAI_AGAIN')
    expect(await ask(lookup, '127.0.0.1')).toBe('127.0.0.1')
    expect(await ask(lookup, '::1', true)).toEqual(['::1'])
    expect(questions).toHaveLength(1)
  })
})
