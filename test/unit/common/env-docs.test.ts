import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CONTRACT, withEnvironmentTable } from '../../../scripts/docs-env.js'
import { projectRoot } from '../../../services/common/project-root.js'

const root = projectRoot(import.meta.url)

function markdownFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...markdownFiles(path))
    else if (entry.name.endsWith('.md')) out.push(path)
  }
  return out
}

describe('the environment table of the docs', () => {
  it('is the one the option tables render (run `npm run docs:env` after changing a table)', () => {
    const contract = readFileSync(CONTRACT, 'utf8')
    expect(contract).toBe(withEnvironmentTable(contract))
  })

  it('notices a row that differs (the check can fail)', () => {
    const contract = readFileSync(CONTRACT, 'utf8')
    const edited = contract.replace('| `CLERK_PORT` (was `PORT`) | clerk | 3000 |', '| `CLERK_PORT` (was `PORT`) | clerk | 3001 |')
    expect(edited).not.toBe(contract)
    expect(withEnvironmentTable(edited)).toBe(contract)
  })

  it('is the only environment table in the docs: other pages link to it', () => {
    const tables = markdownFiles('.').filter((path) => /^\| *variable *\|/im.test(readFileSync(join(root, path), 'utf8')))
    expect(tables.map((path) => relative('.', path))).toEqual(['docs/contract.md'])
  })
})
