import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { moveReportsAside } from '../../../workshop/reset.js'

// `npm run reset` moves the exercises' reports aside: a new user's rehearsal left
// reports/workshop/2-round-robin.json behind, and check 2 said PASS before the step.
const dir = mkdtempSync(join(tmpdir(), 'workshop-reports-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('moveReportsAside', () => {
  it('moves every report into before-reset/<time>/ and leaves other files', () => {
    writeFileSync(join(dir, '2-round-robin.json'), '{}')
    writeFileSync(join(dir, '6-keepalive.json'), '{}')
    writeFileSync(join(dir, 'notes.txt'), 'mine')
    mkdirSync(join(dir, 'before-reset'), { recursive: true })
    const moved = moveReportsAside(dir, new Date('2026-12-05T20:30:00.123Z'))
    expect(moved).toEqual({ count: 2, to: join(dir, 'before-reset', '2026-12-05T20-30-00-123Z') })
    expect(readdirSync(dir).sort()).toEqual(['before-reset', 'notes.txt'])
    expect(readdirSync(moved!.to).sort()).toEqual(['2-round-robin.json', '6-keepalive.json'])
  })

  it('does nothing when there is no report, or no folder', () => {
    expect(moveReportsAside(dir)).toBeUndefined()
    expect(moveReportsAside(join(dir, 'missing'))).toBeUndefined()
    expect(existsSync(join(dir, 'missing'))).toBe(false)
  })
})
