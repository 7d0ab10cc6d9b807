import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadtestOptions } from '../loadtest/args/environment.js'
import { proxyOptions } from '../proxy/options.js'
import { clerkOptions } from '../services/clerk/options.js'
import { chaosOptions } from '../services/cluster/chaos-cli.js'
import { clusterOptions } from '../services/cluster/options.js'
import { renderEnvironmentTable } from '../services/common/options.js'
import { isMain } from '../services/common/is-main.js'
import { workshopOptions } from '../workshop/target.js'
import { projectRoot } from '../services/common/project-root.js'

/**
 * `npm run docs:env`: writes the environment table of docs/contract.md from the option tables of
 * every part, between the two markers below. The table is the docs' only one; a unit test
 * (test/unit/common/env-docs.test.ts) fails when the file and the tables differ.
 */
export const CONTRACT = join(projectRoot(import.meta.url), 'docs', 'contract.md')
export const BEGIN = '<!-- environment: written by `npm run docs:env` from the option tables; change those, not this -->'
export const END = '<!-- /environment -->'

export function environmentTable(): string {
  return renderEnvironmentTable([clerkOptions, proxyOptions, clusterOptions, chaosOptions, loadtestOptions, workshopOptions])
}

/** `markdown` with the text between the markers replaced by the table; throws without markers */
export function withEnvironmentTable(markdown: string): string {
  const begin = markdown.indexOf(BEGIN)
  const end = markdown.indexOf(END)
  if (begin === -1 || end < begin) throw new Error(`docs/contract.md has no ${BEGIN} … ${END} block`)
  return `${markdown.slice(0, begin + BEGIN.length)}\n${environmentTable()}\n${markdown.slice(end)}`
}

if (isMain(import.meta.url)) {
  const before = readFileSync(CONTRACT, 'utf8')
  const after = withEnvironmentTable(before)
  writeFileSync(CONTRACT, after)
  console.log(before === after ? 'docs/contract.md: the environment table was up to date' : 'docs/contract.md: environment table written')
}
