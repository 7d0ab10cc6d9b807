import { describe, expect, it } from 'vitest'
import { charsetIsUtf8 } from '../../../services/common/json-charset.js'

describe('a JSON body must be UTF-8', () => {
  it.each([
    [undefined, true],
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['application/json;charset=UTF-8', true],
    ['application/json; charset="utf-8"', true],
    ['application/json; foo=bar', true],
    ['application/json; charset=utf-16', false],
    ['application/json; charset=UTF-16LE', false],
    ['application/json; charset=latin1', false],
    ['application/json; charset=utf8', false], // not the registered name
    ['application/json; charset=', false],
  ])('%s → %s', (contentType, ok) => {
    expect(charsetIsUtf8(contentType)).toBe(ok)
  })
})
