import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadtestOptions } from '../../../loadtest/args/environment.js'
import { proxyOptions } from '../../../proxy/options.js'
import { clerkOptions } from '../../../services/clerk/options.js'
import { chaosOptions } from '../../../services/cluster/chaos-cli.js'
import { clusterOptions } from '../../../services/cluster/options.js'
import { projectRoot } from '../../../services/common/project-root.js'
import { headingAnchor, staleReferences, type StaleReference } from './doc-references.js'

// Every *.md of the repository names only files, folders, npm scripts, environment variables and
// headings that exist, and nothing outside the repository.

/** the old names of renamed variables, from every part's option table (docs/contract.md's "was …") */
const RETIRED_NAMES = [clerkOptions, proxyOptions, clusterOptions, chaosOptions, loadtestOptions].flatMap((table) => table.options.flatMap((option) => option.deprecated ?? []))

const describeRef = (r: StaleReference) => `${r.doc}:${r.line} ${r.problem}`

describe("the repository's docs", () => {
  it('name no file, folder, npm script, variable or heading that does not exist, and nothing outside the repository', () => {
    expect(staleReferences(projectRoot(import.meta.url), RETIRED_NAMES).map(describeRef)).toEqual([])
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
      '`npm test` and `npm start` exist, `npm stop` does not; `CLUSTER_REDIS_DATA_DIR` (was `REDIS_DATA_DIR`), compose: `REDIS_MAXMEMORY`.',
      'Retired: REDIS_DATA_DIR=/tmp npm start, and `UPSTREAM_TIMEOUT_MS`; PROXY_UPSTREAM_TIMEOUT_MS is its new name.',
    ].join('\n'),
  )
  write('docker-compose.yml', "command: ['redis-server', '--maxmemory', '${REDIS_MAXMEMORY:-1gb}']\n")

  it('reports each kind of stale reference, and nothing that exists or is not a path', () => {
    expect(staleReferences(root, ['REDIS_DATA_DIR', 'REDIS_MAXMEMORY', 'UPSTREAM_TIMEOUT_MS']).map(describeRef).sort()).toEqual(
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
        'README.md:7 npm stop: no such script in package.json',
        'README.md:8 REDIS_DATA_DIR: a retired variable name (the option tables name its new one)',
        'README.md:8 UPSTREAM_TIMEOUT_MS: a retired variable name (the option tables name its new one)',
      ].sort(),
    )
  })

  it("makes GitHub's heading anchors", () => {
    expect(headingAnchor('Which Node')).toBe('which-node')
    expect(headingAnchor('`npm start`')).toBe('npm-start')
    expect(headingAnchor('Benchmark (`npm run bench:proxy`)')).toBe('benchmark-npm-run-benchproxy')
  })
})
