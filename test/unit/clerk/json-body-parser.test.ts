import { describe, expect, it } from 'vitest'
import { forbiddenKey } from '../../../services/clerk/json-body-parser.js'

describe('the forbidden key of a JSON body', () => {
  it.each([
    ['{"__proto__":{"admin":true}}', '__proto__'],
    ['{"product":"laptop","x":[{"__proto__":1}]}', '__proto__'],
    ['{"\\u005f_proto__":{}}', '__proto__'],
    ['{"constructor":{"prototype":{}}}', 'constructor'],
    ['{"product":"laptop"}', undefined],
    ['{"product":', undefined],
  ])('of %s is %s', (text, key) => {
    expect(forbiddenKey(text)).toBe(key)
  })
})
