import { describe, expect, it } from 'vitest'
import { LoadtestErrors } from '../../../loadtest/errors.js'

describe('the error registry', () => {
  it('names each error by its own code', () => {
    for (const [key, ErrorClass] of Object.entries(LoadtestErrors)) {
      expect(new ErrorClass('x').code).toBe(key)
    }
  })
})
