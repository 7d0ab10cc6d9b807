import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../../services/common/project-root.js'
import { EXERCISES } from '../../../workshop/exercises.js'
import { main, renderList } from '../../../workshop/cli.js'

// The one exercise table (workshop/exercises.ts) and what the docs say about it never drift:
// docs/workshop/README.md lists the same rows, and every ready exercise has its page, which tells
// the learner the command of its self-check.
const root = projectRoot(import.meta.url)
const index = readFileSync(join(root, 'docs', 'workshop', 'README.md'), 'utf8')

/** the rows of the index's exercise table: id, title, page cell, self-check */
function indexRows(): string[][] {
  return index
    .split('\n')
    .filter((line) => /^\| \d+ \|/.test(line))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    )
}

describe('the exercise table', () => {
  it('has unique ids in order, at least eight of them (the issue asked for eight)', () => {
    expect(EXERCISES.map((e) => e.id)).toEqual(EXERCISES.map((_, i) => i + 1))
    expect(EXERCISES.length).toBeGreaterThanOrEqual(8)
  })

  it('is the table of docs/workshop/README.md, row for row', () => {
    const expected = EXERCISES.map((e) => [String(e.id), e.title, `[${e.page.split('/').at(-1)}](${e.page.replace('docs/workshop/', '')})`, e.selfCheck])
    expect(indexRows()).toEqual(expected)
  })

  it('gives every ready exercise a page with a prediction, steps, observations, discussion and its self-check command', () => {
    for (const e of EXERCISES) {
      const path = join(root, e.page)
      expect(existsSync(path), e.page).toBe(true)
      const page = readFileSync(path, 'utf8')
      for (const part of ['**Goal.**', '**Predict first.**', '## Steps', '## Observe', '## Discuss', '## Self-check', `npm run workshop -- check ${e.id}`]) {
        expect(page, `${e.page} lacks ${part}`).toContain(part)
      }
    }
  })

  it('is what `npm run workshop -- list` prints, and an exercise it does not list has no check', async () => {
    const lines: string[] = []
    expect(await main(['list'], {}, (line) => lines.push(line))).toBe(0)
    expect(lines.join('\n')).toBe(renderList())
    for (const e of EXERCISES) expect(renderList()).toContain(e.title)
    const unlisted = Math.max(...EXERCISES.map((e) => e.id)) + 1
    expect(await main(['check', String(unlisted)], {}, () => {})).toBe(2)
  })
})
