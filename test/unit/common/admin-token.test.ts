import { describe, expect, it } from 'vitest'
import { adminTokenCheck, presentedToken } from '../../../services/common/admin-token.js'

describe('the admin token check shared by the clerk and the launcher', () => {
  const isAdmin = adminTokenCheck('the-admin-token')

  it.each([
    [{ authorization: 'Bearer the-admin-token' }, true],
    [{ authorization: 'bearer the-admin-token' }, true], // the scheme is case-insensitive
    [{ authorization: 'BEARER  the-admin-token ' }, true],
    [{ 'x-admin-token': 'the-admin-token' }, true],
    [{ authorization: 'Bearer the-admin-tokeN' }, false],
    [{ authorization: 'Bearer the-admin-token!!' }, false],
    [{ authorization: 'Bearer the' }, false], // a prefix, of another length
    [{ authorization: 'Bearer ' }, false],
    [{ authorization: 'the-admin-token' }, false], // no scheme
    [{ authorization: 'Basic dGhlLWFkbWluLXRva2Vu' }, false],
    [{}, false],
  ])('%j → %s', (headers, expected) => {
    expect(isAdmin(headers)).toBe(expected)
  })

  it('never accepts anything when no token is configured', () => {
    const closed = adminTokenCheck(undefined)
    expect(closed({ authorization: 'Bearer ' })).toBe(false)
    expect(closed({ 'x-admin-token': '' })).toBe(false)
  })

  it('reads the Bearer token before X-Admin-Token', () => {
    expect(presentedToken({ authorization: 'Bearer a', 'x-admin-token': 'b' })).toBe('a')
  })
})
