import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { projectRoot } from '../../../services/common/project-root.js'
import { headingAnchor, staleReferences, type StaleReference } from './doc-references.js'

// Every *.md of the repository names only files, folders, npm scripts and headings that exist,
// and nothing outside the repository.

const describeRef = (r: StaleReference) => `${r.doc}:${r.line} ${r.problem}`

describe("the repository's docs", () => {
  it('name no file, folder, npm script or heading that does not exist, and nothing outside the repository', () => {
    expect(staleReferences(projectRoot(import.meta.url)).map(describeRef)).toEqual([])
  })
})

describe('the reference check', () => {
  const root = mkdtempSync(join(tmpdir(), 'clerk-cluster-docs-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  write('package.json', JSON.stringify({ scripts: { start: 'x', test: 'x', 'bench:proxy': 'x' } }))
  write('services/clerk/errors.ts', '')
  write('proxy/engines/undici-engine.ts', '')
  write('docs/running.md', '# Running\n\n## Which Node\n')
  write('proxy/README.md', 'The engine: `engines/undici-engine.ts`, see [running](../docs/running.md#which-node).\n')
  write(
    'README.md',
    [
      'Fine: `services/clerk/errors.ts`, `services/clerk/`, `errors.ts`, `npm run bench:proxy`, `text/plain`, `@fastify/session`,',
      '[docs](docs/running.md), [a site](https://example.com), `/usr/bin/chromium`, `dist/proxy/main.js`, `$TMPDIR/x-$PORT.json`.',
      'Stale: `services/clerk/routes-errors.ts` and routes-errors.ts, `proxy/front/`, `npm run bench:clerk`, [gone](docs/gone.md),',
      '[anchor](docs/running.md#which-bun), [outside](../shared/DESIGN.md), and the architecture in `../shared/DESIGN.md`.',
      '',
      '    services/cluster/    a layout map line whose folder is gone',
    ].join('\n'),
  )

  it('reports each kind of stale reference, and nothing that exists or is not a path', () => {
    expect(staleReferences(root).map(describeRef).sort()).toEqual(
      [
        'README.md:3 routes-errors.ts: no file of that name in the repository',
        'README.md:3 npm run bench:clerk: no such script in package.json',
        'README.md:3 link docs/gone.md: no such file or folder',
        'README.md:3 `services/clerk/routes-errors.ts`: no such file or folder',
        'README.md:3 `proxy/front/`: no such file or folder',
        'README.md:4 points at ../shared/, outside the repository',
        'README.md:4 link docs/running.md#which-bun: no heading #which-bun there',
        'README.md:4 link ../shared/DESIGN.md: outside the repository',
        'README.md:4 `../shared/DESIGN.md`: outside the repository',
        'README.md:6 `services/cluster/`: no such file or folder',
      ].sort(),
    )
  })

  it("makes GitHub's heading anchors", () => {
    expect(headingAnchor('Which Node')).toBe('which-node')
    expect(headingAnchor('`npm start`')).toBe('npm-start')
    expect(headingAnchor('Benchmark (`npm run bench:proxy`)')).toBe('benchmark-npm-run-benchproxy')
  })
})
