import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

/**
 * What the repository's Markdown names that is not there: a file or folder (a link, or a path or
 * file name in `code`), an npm script (`npm run x`, `npm test`), a renamed environment variable,
 * a heading anchor (`file.md#section`), or anything outside the repository (`../shared/…`). Docs
 * that a successor cannot follow are worse than none; doc-references.test.ts runs this over every
 * *.md.
 *
 * @example
 *   staleReferences('/repo') // [{ doc: 'README.md', line: 12, problem: '`proxy/log.ts`: no such file or folder' }]
 */
export interface StaleReference {
  doc: string
  line: number
  problem: string
}

/** folders that hold no docs, or what runs produce (named in docs as places, not as files that must exist) */
const NOT_DOCS = new Set(['node_modules', 'dist', '.git', 'coverage', 'test-artifacts', 'reports'])
/** paths that a run creates: a doc may name them though a fresh clone lacks them */
const PRODUCED = /^(dist|node_modules|test-artifacts|reports|coverage|workshop-work)(\/|$)/
/** a file name as docs write one: a known extension */
const FILE_NAME = /^[\w.@-]+\.(ts|mts|js|mjs|cjs|json|md|yml|yaml|html|css|sh|cfg)$/
/** a path as docs write one: segments of word characters, dots and dashes, with a slash */
const PATH = /^\.{0,2}\/?[\w.@-]+(\/[\w.@-]+)*\/?$/

export function markdownFiles(root: string): string[] {
  const found: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!NOT_DOCS.has(entry.name)) walk(join(dir, entry.name))
      } else if (entry.name.endsWith('.md')) found.push(relative(root, join(dir, entry.name)))
    }
  }
  walk(root)
  return found.sort()
}

/** every file's name in the repository (for a bare `file.ts` a doc names without its folder) */
function fileNames(root: string): Set<string> {
  const names = new Set<string>()
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!NOT_DOCS.has(entry.name)) walk(join(dir, entry.name))
      } else names.add(entry.name)
    }
  }
  walk(root)
  return names
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^(```|~~~)[\s\S]*?^\1/gm, '')
  return new Set([...text.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)].map((m) => headingAnchor(m[1]!)))
}

/**
 * @param retiredNames environment variables that were renamed (the option tables' `deprecated`
 *   names): a doc may name one only as the old name of the new one
 */
export function staleReferences(root: string, retiredNames: readonly string[] = []): StaleReference[] {
  const retired = new Set(retiredNames)
  const compose = existsSync(join(root, 'docker-compose.yml')) ? readFileSync(join(root, 'docker-compose.yml'), 'utf8') : ''
  const stillRead = (name: string) => compose.includes(`\${${name}`)
  const scripts = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts)
  const names = fileNames(root)
  const folders = new Set(
    readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !NOT_DOCS.has(e.name))
      .map((e) => e.name),
  )
  const problems: StaleReference[] = []
  for (const doc of markdownFiles(root)) {
    const here = dirname(join(root, doc))
    const lines = readFileSync(join(root, doc), 'utf8').split('\n')
    lines.forEach((text, index) => {
      const report = (problem: string) => problems.push({ doc, line: index + 1, problem })
      const inside = (path: string) => path === root || path.startsWith(root + sep)

      // anything outside the repository, in any form
      if (/(^|[\s`(])\.\.\/shared\b/.test(text)) report('points at ../shared/, outside the repository')

      // links: [text](target)
      for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        if (/^[a-z][a-z+.-]*:/i.test(target) || target.startsWith('#')) continue // a URL, or an anchor in this doc
        const [path = '', anchor] = target.split('#')
        const file = resolve(here, decodeURIComponent(path))
        if (!inside(file)) report(`link ${target}: outside the repository`)
        else if (!existsSync(file)) report(`link ${target}: no such file or folder`)
        else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).has(anchor)) report(`link ${target}: no heading #${anchor} there`)
      }

      // file names in prose (`code` is checked below, with its folders)
      for (const [name = ''] of text
        .replace(/`[^`\n]*`/g, ' ')
        .replace(/\]\([^)]*\)/g, ']')
        .matchAll(/(?<![\w./$-])[\w-][\w.-]*\.(ts|mts|mjs|md|json|ya?ml)\b(?![\w/-])/g)) {
        if (!names.has(name)) report(`${name}: no file of that name in the repository`)
      }

      // npm scripts, in code or in prose
      for (const [, script = ''] of text.matchAll(/\bnpm (?:run|run-script)(?: -s| --silent)? ([\w:.-]+)/g)) {
        if (!scripts.includes(script)) report(`npm run ${script}: no such script in package.json`)
      }
      // npm's shortcuts for the scripts of those names (`npm start`, `npm test`, `npm stop`, `npm restart`)
      for (const [, script = ''] of text.matchAll(/\bnpm (start|test|stop|restart)\b/g)) {
        if (!scripts.includes(script)) report(`npm ${script}: no such script in package.json`)
      }

      // environment variables a part no longer reads under that name: only as the old name of a
      // new one ("(was `PORT`)"), or where another file still reads it (docker-compose.yml's ${X})
      for (const [name = ''] of text.matchAll(/(?<![\w$])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w])/g)) {
        if (retired.has(name) && !text.includes(`was \`${name}\``) && !stillRead(name)) report(`${name}: a retired variable name (the option tables name its new one)`)
      }

      // paths and file names in `code`, and the first word of a code block's line (a layout map)
      const inCode = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!)
      const block = /^( {4}|\t)\s*([^\s`]+)/.exec(text)?.[2]
      for (const code of block === undefined ? inCode : [...inCode, block]) {
        const path = code.replace(/[:,;]$/, '')
        if (!PATH.test(path) || path.startsWith('/') || path.startsWith('~') || PRODUCED.test(path)) continue
        if (path.includes('/')) {
          // a path, not a media type (`text/plain`) or a package (`@fastify/session`): it ends in a
          // file name or a slash, or starts with a folder of the repository
          const [first = ''] = path.replace(/^\.\/|^\.\.\//, '').split('/')
          const looksLikePath = path.endsWith('/') || FILE_NAME.test(path.split('/').at(-1)!) || path.startsWith('.') || folders.has(first)
          if (!looksLikePath || path.startsWith('@')) continue
          // relative to the repository, to the doc's own folder (proxy/README.md: `engines/…`), or to
          // a top-level folder (docs/security.md: `unit/clerk/…` for test/unit/clerk/…)
          const bases = [root, here, ...[...folders].map((f) => join(root, f))]
          const candidates = bases.map((base) => resolve(base, path))
          if (!inside(resolve(here, path))) report(`\`${code}\`: outside the repository`)
          else if (!candidates.some((c) => existsSync(c))) report(`\`${code}\`: no such file or folder`)
        } else if (FILE_NAME.test(path) && !names.has(path)) {
          report(`\`${code}\`: no file of that name in the repository`)
        }
      }
    })
  }
  return problems
}
