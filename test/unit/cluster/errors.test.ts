import { describe, expect, it } from 'vitest'
import { clusterErrors } from '../../../services/cluster/errors.js'

// each code is the key it is filed under, with a name and a status: test/unit/common/error-registry.test.ts
describe('the launcher error registry', () => {
  it('answers a bug of its own as the contract says: 500 internal', () => {
    expect(clusterErrors.body(new clusterErrors.errors.CLUSTER_ERR_INTERNAL('boom'))).toEqual({
      error: 'internal',
      code: 'CLUSTER_ERR_INTERNAL',
      statusCode: 500,
      message: 'boom',
    })
  })
})
