#!/usr/bin/env node
// @ts-check
/**
 * `npm run setup`: from a fresh clone to a machine that runs clerk-cluster and all its tests.
 *   1. installs what the machine lacks (redis-server, Chromium; with `--with compose,bench` also
 *      docker-compose, haproxy, wrk) through its package manager: apt-get on Debian and Ubuntu
 *      (as root, or with sudo), Homebrew on macOS; it says what it installs and why first, and when
 *      it cannot install (no root and no sudo, no Homebrew) it prints the exact commands and stops;
 *   2. runs `npm ci` when node_modules does not hold what package-lock.json locks.
 * It does nothing when everything is there. `--check` only looks: each problem in one sentence
 * with the command that fixes it, exit 1 (`npm test` starts with it).
 *
 * It runs before `npm ci`, on the machine's own Node (Debian's is 18): built-in modules only.
 * scripts/prerequisites.mjs is the table of what is needed.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { installedPackages, nodeLinked, nodePackage, readJson } from './installed-packages.mjs'
import { GROUPS, PREREQUISITES, installPlan, listOf, missingPrerequisites, missingSentence, shellLine, thisMachine } from './prerequisites.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const USAGE = 'usage: npm run setup [-- --with compose,bench] [-- --check]'

/** @param {string} line */
const say = (line) => process.stdout.write(`[setup] ${line}\n`)
/**
 * @param {string} line
 * @returns {never}
 */
function stop(line) {
  process.stderr.write(`[setup] ${line}\n`)
  process.exit(1)
}

/** @returns {{ check: boolean, groups: import('./prerequisites.mjs').Group[] }} */
function readArguments() {
  let parsed
  try {
    parsed = parseArgs({ options: { with: { type: 'string', multiple: true }, check: { type: 'boolean' }, help: { type: 'boolean' } } })
  } catch (err) {
    return stop(`${/** @type {Error} */ (err).message}\n${USAGE}`)
  }
  if (parsed.values.help) {
    process.stdout.write(
      `${USAGE}\n  --with compose   also docker-compose (npm run test:compose)\n  --with bench     also haproxy and wrk (npm run bench:proxy)\n  --check          only say what is missing (exit 1 if anything is)\n`,
    )
    process.exit(0)
  }
  const named = (parsed.values.with ?? []).flatMap((w) => w.split(',')).filter((w) => w !== '')
  /** @type {import('./prerequisites.mjs').Group[]} */
  const extra = GROUPS.filter((g) => g !== 'required' && named.includes(g))
  const unknown = named.filter((w) => !extra.some((g) => g === w))
  if (unknown.length > 0) stop(`unknown --with ${listOf(unknown)}: the choices are compose and bench\n${USAGE}`)
  return { check: parsed.values.check === true, groups: ['required', ...extra] }
}

/** @param {import('./prerequisites.mjs').Command} command */
function run(command) {
  say(`$ ${shellLine(command)}`)
  const [file = '', ...args] = command.argv
  const result = spawnSync(file, args, { stdio: 'inherit' })
  if (result.status !== 0) stop(`\`${shellLine(command)}\` failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}): fix that, then run npm run setup again.`)
}

/**
 * `npm <args>` on `node` (default: this Node), with the npm that runs this script when npm runs it
 * @param {string[]} args
 * @param {string} [node]
 */
function npm(args, node = process.execPath) {
  const npmCli = process.env.npm_execpath
  // without npm_execpath, the `npm` on PATH, started by the `node` found first on PATH
  const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}` }
  const [file = 'npm', ...rest] = npmCli ? [node, npmCli, ...args] : ['npm', ...args]
  say(`$ npm ${args.join(' ')}${node === process.execPath ? '' : ` (on Node ${nodeVersion(node)})`}`)
  const result = spawnSync(file, rest, { stdio: 'inherit', cwd: root, env })
  if (result.status !== 0) stop(`npm ${args[0] ?? ''} failed (exit ${result.status ?? result.signal}): see npm's message above.`)
}

/** @param {string} node */
function nodeVersion(node) {
  return spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
}

const pkg = /** @type {{ engines: { node: string }, optionalDependencies: Record<string, string> }} */ (readJson(`${root}package.json`))
const floor = pkg.engines.node.replace(/^>=/, '') // "22.12.0"

/** @param {string} version "18.20.4" */
function meetsFloor(version) {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  const [wantMajor = 0, wantMinor = 0] = floor.split('.').map(Number)
  return major > wantMajor || (major === wantMajor && minor >= wantMinor)
}

/**
 * The Node that npm scripts run on: on Linux x64/arm64 `npm ci` brings Node 24 (node-linux-*);
 * elsewhere the machine's own, which must meet engines.node.
 */
function nodeProblem() {
  if (nodePackage() !== undefined || meetsFloor(process.versions.node)) return undefined
  const how = process.platform === 'darwin' ? 'brew install node@24 && brew link --force --overwrite node@24' : 'install Node 24 from your package manager or nodejs.org'
  return `clerk-cluster's scripts run on this machine's own Node here (npm ships Node 24 only for Linux x64 and arm64), which must be ${floor} or newer and is ${process.version}: ${how}, then run npm run setup again.`
}

/**
 * The Node that `npm ci` runs on. npm installs an optional package only if its `engines` accept
 * the Node npm runs on: on Debian's and Ubuntu's Node 18 it leaves out the native builds vitest
 * needs (they want 20.19 or newer). So on a Node older than engines.node, npm ci runs on the Node
 * the scripts will run on: the same node-linux package, fetched first into a cache.
 */
function nodeForNpmCi() {
  const nodePkg = nodePackage()
  if (nodePkg === undefined || meetsFloor(process.versions.node)) return process.execPath
  const version = pkg.optionalDependencies[nodePkg] ?? ''
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'clerk-cluster', `${nodePkg}-${version}`)
  const node = join(dir, 'node_modules', nodePkg, 'bin', 'node')
  if (!existsSync(node)) {
    say(`this Node (${process.version}) is older than ${floor}: npm ci runs on Node ${version} instead, fetched first into ${dir}`)
    npm(['install', '--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `${nodePkg}@${version}`])
  }
  return node
}

/**
 * `npm test`'s first step: every problem in one sentence, exit 1 when there is any
 * @param {import('./prerequisites.mjs').Group[]} groups
 */
function check(groups) {
  /** @type {string[]} */
  const problems = []
  const packages = installedPackages(root)
  if (packages.state === 'missing') problems.push('node_modules is missing: run `npm run setup` (or `npm ci`).')
  if (packages.state === 'stale') problems.push(`node_modules does not match package-lock.json (${packages.example}): run \`npm run setup\`.`)
  const node = nodePackage()
  if (packages.state !== 'missing' && node !== undefined && !nodeLinked(root)) {
    problems.push(`node_modules/.bin/node is missing, so the tests would run on Node ${process.version}: run \`npm run setup\` (it runs \`npm rebuild ${node}\`).`)
  }
  const missing = missingPrerequisites(groups)
  if (missing.length > 0) problems.push(missingSentence(missing, thisMachine()))
  for (const problem of problems) process.stderr.write(`${problem}\n`)
  process.exit(problems.length === 0 ? 0 : 1)
}

/** @param {import('./prerequisites.mjs').Group[]} groups */
function setup(groups) {
  const node = nodeProblem()
  if (node !== undefined) stop(node)

  const missing = missingPrerequisites(groups)
  const found = PREREQUISITES.filter((p) => groups.includes(p.group) && !missing.includes(p))
  if (found.length > 0) say(`already here: ${found.map((p) => `${p.name} (${p.find()})`).join(', ')}`)
  if (missing.length > 0) {
    say(`missing: ${listOf(missing.map((p) => p.name))}`)
    for (const p of missing) say(`  ${p.name}: ${p.why}`)
    const plan = installPlan(missing, thisMachine())
    if ('cannot' in plan) stop(`Please ${plan.cannot}, then run npm run setup again.`)
    if ('tell' in plan) stop(`${plan.because}: please run these ${plan.when}, then npm run setup again:\n${plan.tell.map((c) => `    ${shellLine(c)}`).join('\n')}`)
    say('installing:')
    for (const command of plan.run) run(command)
    const still = missingPrerequisites(groups)
    if (still.length > 0) stop(`${listOf(still.map((p) => p.name))} still cannot be found after installing: is it on PATH (CHROMIUM_PATH names a Chromium elsewhere)?`)
  }

  const packages = installedPackages(root)
  if (packages.state === 'current') say('node_modules matches package-lock.json')
  else {
    say(packages.state === 'missing' ? 'node_modules is missing: installing it' : `node_modules does not match package-lock.json (${packages.example}): installing it afresh`)
    npm(['ci', '--no-audit', '--no-fund'], nodeForNpmCi())
  }
  const nodeBin = nodePackage()
  if (nodeBin !== undefined && !nodeLinked(root)) {
    say(`node_modules/.bin/node is missing (npm 9 installs ${nodeBin} without linking it), so npm scripts would run the machine's own Node: linking it`)
    npm(['rebuild', nodeBin])
    if (!nodeLinked(root)) stop(`npm rebuild ${nodeBin} did not link node_modules/.bin/node: run npm install with npm 10 or newer.`)
  }
  say('ready: `npm start` runs the cluster (http://localhost:8080), `npm test` every test')
}

const { check: onlyCheck, groups } = readArguments()
if (onlyCheck) check(groups)
else setup(groups)
