import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { signContext, verifyContext } from '../../../services/clerk/context-token.js'
import type { DialogueState } from '../../../services/clerk/dialogue.js'

// The contract: "an edited token gets context_tampered", for EVERY edit, not just the ones that
// change a decoded byte. Lenient base64url decoding ignores characters outside the alphabet
// ("!!", "=", "~", spaces) and the unused low bits of the last character, so such edits used to
// verify; these properties hold every kind of edit to the strict reading.
const secret = 's'.repeat(32)
const TTL = 30 * 60_000 // 30 min
const NOW = 1_000_000

const state = fc.oneof(
  fc.record({ step: fc.constant('ask' as const), dialogueId: fc.uuid(), productId: fc.constantFrom('laptop', 'mouse') }),
  fc.record({
    step: fc.constant('buy' as const),
    dialogueId: fc.uuid(),
    productId: fc.constantFrom('laptop', 'monitor', 'keyboard'),
    quantity: fc.integer({ min: 1, max: 100 }),
  }),
)
const token = state.map((s) => signContext(s as DialogueState, secret, NOW))

// what people append or slip in: junk outside the alphabet, padding, whitespace, dots, and
// characters of the alphabet itself
const editCharacter = fc.oneof(
  fc.constantFrom('!', '=', '~', ' ', '\t', '\n', '.', '+', '/', '%', '"', '\\', '\u00e9', '\u200b'),
  fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
)

type Edit = { kind: 'append'; text: string } | { kind: 'insert'; at: number; char: string } | { kind: 'remove'; at: number } | { kind: 'replace'; at: number; char: string }

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), text: fc.array(editCharacter, { minLength: 1, maxLength: 3 }).map((c) => c.join('')) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), char: editCharacter }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), char: editCharacter }),
)

function applyEdit(original: string, e: Edit): string {
  switch (e.kind) {
    case 'append':
      return original + e.text
    case 'insert': {
      const at = e.at % (original.length + 1)
      return original.slice(0, at) + e.char + original.slice(at)
    }
    case 'remove': {
      const at = e.at % original.length
      return original.slice(0, at) + original.slice(at + 1)
    }
    case 'replace': {
      const at = e.at % original.length
      return original.slice(0, at) + e.char + original.slice(at + 1)
    }
  }
}

describe('every edit of a stateless context token is context_tampered', () => {
  it('holds for appended, inserted, removed and replaced characters anywhere in the token', () => {
    fc.assert(
      fc.property(token, edit, (original, e) => {
        const edited = applyEdit(original, e)
        fc.pre(edited !== original) // replacing a character by itself is no edit
        expect(verifyContext(edited, secret, NOW, TTL)).toEqual({ ok: false, reason: 'tampered' })
      }),
      { numRuns: 3000 },
    )
  })

  it('holds for a signature whose last character differs only in bits base64url does not use', () => {
    // 32 bytes = 43 characters; the last carries 4 bits and 2 unused ones a lenient decoder drops
    fc.assert(
      fc.property(token, fc.integer({ min: 1, max: 3 }), (original, low) => {
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
        const last = alphabet.indexOf(original.at(-1) as string)
        const twin = original.slice(0, -1) + alphabet[(last & ~3) | ((last & 3) ^ low)]
        expect(verifyContext(twin, secret, NOW, TTL)).toEqual({ ok: false, reason: 'tampered' })
      }),
    )
  })

  it('still verifies the token as signed', () => {
    fc.assert(
      fc.property(token, (original) => {
        expect(verifyContext(original, secret, NOW, TTL).ok).toBe(true)
      }),
    )
  })
})
