import { describe, expect, it } from 'vitest'
import { ClusterErrors, clusterErrorNames } from '../../../services/cluster/errors.js'

describe('the launcher error registry', () => {
  it('names each error after its code, with a short name for clients', () => {
    for (const [key, ErrorClass] of Object.entries(ClusterErrors)) {
      const err = new ErrorClass('a', 'b')
      expect(err.code).toBe(key)
      expect(clusterErrorNames[key as keyof typeof ClusterErrors]).toMatch(/^[a-z_]+$/)
      expect(err.statusCode).toBeGreaterThanOrEqual(400)
    }
  })
})
