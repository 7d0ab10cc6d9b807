import { describe, expect, it } from 'vitest'
import { redactUrl } from '../../../services/common/redact-url.js'

describe('redactUrl, the one way a URL is shown', () => {
  it.each([
    ['redis://:s3cret@127.0.0.1:6379', 'redis://:***@127.0.0.1:6379'],
    ['redis://app:s3cret@10.0.0.5:6379/0', 'redis://app:***@10.0.0.5:6379/0'],
    ['rediss://s3cret@cache.example:6380', 'rediss://***@cache.example:6380'],
    ['redis://:p@ss@w0rd@host:6379/0', 'redis://:***@host:6379/0'], // an unescaped "@" in the password
    ['redis://host:6379?password=s3cret&db=1', 'redis://host:6379?password=***&db=1'],
    ['redis://host:6379/?db=2&authToken=abc', 'redis://host:6379/?db=2&authToken=***'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'], // nothing to hide: unchanged
    ['http://localhost:8080/#token=abc', 'http://localhost:8080/#token=abc'], // a fragment is not sent anywhere
    ['REDIS_URL must use redis: or rediss:, got "http:" in "http://u:s3cret@h:1"', 'REDIS_URL must use redis: or rediss:, got "http:" in "http://u:***@h:1"'],
    ['two: redis://:a1@h1:1 and redis://:b2@h2:2', 'two: redis://:***@h1:1 and redis://:***@h2:2'],
    ['not a url ://:x@', 'not a url ://:x@'],
  ])('%s → %s', (input, shown) => {
    expect(redactUrl(input)).toBe(shown)
  })
})
