// @ts-check
/**
 * What clerk-cluster needs from the machine besides npm's packages: ONE table, read by
 * `npm run setup` (installs what is missing), by `npm test`'s first step (names what is missing and
 * the command that installs it) and by the browser tests (where Chromium is).
 *
 * Plain JavaScript, built-in modules only: `npm run setup` runs it before `npm ci`, on whatever
 * Node the machine has (Debian's and Ubuntu's own nodejs is 18).
 */
import { accessSync, constants, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'

/**
 * @typedef {'debian' | 'ubuntu' | 'macos' | 'other'} Platform
 * @typedef {'required' | 'compose' | 'bench'} Group
 *   required: `npm start` (a cluster that pays) and `npm test`; compose: `npm run test:compose`
 *   (and the docker-compose.yml check in `npm test`, skipped without it); bench: `npm run bench:proxy`
 * @typedef {{ formula: string } | { cask: string }} BrewPackage
 * @typedef {{ debian: string, ubuntu: string, macos: BrewPackage }} Packages
 * @typedef {{
 *   name: string,
 *   group: Group,
 *   why: string,
 *   find: (env?: NodeJS.ProcessEnv) => string | undefined,
 *   packages: Packages,
 * }} Prerequisite
 */

/** @type {readonly Group[]} */
export const GROUPS = ['required', 'compose', 'bench']

/**
 * the first executable called one of `names` in PATH's directories (then in `extraDirs`), or undefined
 * @param {readonly string[]} names
 * @param {NodeJS.ProcessEnv} [env]
 * @param {readonly string[]} [extraDirs]
 */
export function findOnPath(names, env = process.env, extraDirs = []) {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter((dir) => dir !== ''), ...extraDirs]
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = join(dir, name)
      if (isExecutable(candidate)) return candidate
    }
  }
  return undefined
}

/** @param {string} file */
function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The Chromium the browser tests drive: CHROMIUM_PATH when set (and nothing else then), else
 * `chromium` or `chromium-browser` on PATH (Debian's and Ubuntu's packages), else the app that
 * `brew install --cask chromium` puts in /Applications.
 * @param {NodeJS.ProcessEnv} [env]
 * @param {NodeJS.Platform} [platform]
 */
export function findChromium(env = process.env, platform = process.platform) {
  if (env.CHROMIUM_PATH) return isExecutable(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined
  const onPath = findOnPath(['chromium', 'chromium-browser'], env)
  if (onPath !== undefined || platform !== 'darwin') return onPath
  const app = 'Applications/Chromium.app/Contents/MacOS/Chromium'
  return [join('/', app), join(homedir(), app)].find(isExecutable)
}

/** @type {readonly Prerequisite[]} */
export const PREREQUISITES = [
  {
    name: 'redis-server',
    group: 'required',
    why: 'the ledger and the shared sessions live in Redis; npm start runs a private one, the tests their own',
    find: (env) => findOnPath(['redis-server'], env),
    packages: { debian: 'redis-server', ubuntu: 'redis-server', macos: { formula: 'redis' } },
  },
  {
    name: 'Chromium',
    group: 'required',
    why: 'the browser tests drive the dashboard in headless Chromium',
    find: (env) => findChromium(env),
    // Ubuntu's chromium-browser is a deb that installs the snap (not verified by this project)
    packages: { debian: 'chromium', ubuntu: 'chromium-browser', macos: { cask: 'chromium' } },
  },
  {
    name: 'docker-compose',
    group: 'compose',
    why: 'npm run test:compose runs docker-compose.yml for real, and npm test checks the file with it',
    find: (env) => findOnPath(['docker-compose'], env),
    packages: { debian: 'docker-compose', ubuntu: 'docker-compose', macos: { formula: 'docker-compose' } },
  },
  {
    name: 'haproxy',
    group: 'bench',
    why: 'npm run bench:proxy measures the proxy against HAProxy',
    // Debian puts it in /usr/sbin, which a user's PATH often lacks
    find: (env) => findOnPath(['haproxy'], env, ['/usr/sbin', '/usr/local/sbin']),
    packages: { debian: 'haproxy', ubuntu: 'haproxy', macos: { formula: 'haproxy' } },
  },
  {
    name: 'wrk',
    group: 'bench',
    why: 'npm run bench:proxy generates its load with it (autocannon otherwise, which needs more CPU)',
    find: (env) => findOnPath(['wrk'], env),
    packages: { debian: 'wrk', ubuntu: 'wrk', macos: { formula: 'wrk' } },
  },
]

/**
 * @param {NodeJS.Platform} [platform]
 * @param {string | undefined} [osRelease] the text of /etc/os-release
 * @returns {Platform}
 */
export function detectPlatform(platform = process.platform, osRelease = readOsRelease()) {
  if (platform === 'darwin') return 'macos'
  if (platform !== 'linux' || osRelease === undefined) return 'other'
  const field = (/** @type {string} */ key) => new RegExp(`^${key}="?([^"\\n]*)"?$`, 'm').exec(osRelease)?.[1] ?? ''
  const ids = [field('ID'), ...field('ID_LIKE').split(' ')]
  if (ids.includes('ubuntu')) return 'ubuntu' // Ubuntu and its derivatives (Mint: ID_LIKE="ubuntu debian")
  if (ids.includes('debian')) return 'debian'
  return 'other'
}

function readOsRelease() {
  try {
    return readFileSync('/etc/os-release', 'utf8')
  } catch {
    return undefined
  }
}

/**
 * @param {readonly Group[]} groups
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Prerequisite[]} the prerequisites of these groups that this machine lacks
 */
export function missingPrerequisites(groups, env = process.env) {
  return PREREQUISITES.filter((p) => groups.includes(p.group) && p.find(env) === undefined)
}

/**
 * @typedef {{ argv: string[] }} Command
 * @typedef {{ run: Command[] } | { tell: Command[], because: string, when: string } | { cannot: string }} InstallPlan
 *   run: the commands to run now; tell: the exact commands for the person to run, why we do not
 *   run them ourselves and when they can ("as root")
 *   run them ourselves; cannot: no package manager we know (a sentence naming what to install)
 */

/**
 * pure: how to install `missing` on `platform`
 * @param {readonly Prerequisite[]} missing
 * @param {{ platform: Platform, isRoot: boolean, hasSudo: boolean, hasBrew: boolean }} machine
 * @returns {InstallPlan}
 */
export function installPlan(missing, { platform, isRoot, hasSudo, hasBrew }) {
  if (missing.length === 0) return { run: [] }
  if (platform === 'debian' || platform === 'ubuntu') {
    const packages = missing.map((p) => p.packages[platform])
    // no questions from debconf; through sudo the variable goes on its command line (sudo resets the environment)
    const quiet = 'DEBIAN_FRONTEND=noninteractive'
    const apt = (/** @type {string[]} */ args) => (isRoot || !hasSudo ? ['env', quiet, 'apt-get', ...args] : ['sudo', quiet, 'apt-get', ...args])
    const commands = [{ argv: apt(['update']) }, { argv: apt(['install', '-y', '--no-install-recommends', ...packages]) }]
    if (isRoot || hasSudo) return { run: commands }
    return { tell: commands, because: 'installing needs root, and this user is not root and has no sudo', when: 'as root' }
  }
  if (platform === 'macos') {
    const formulae = missing.flatMap((p) => ('formula' in p.packages.macos ? [p.packages.macos.formula] : []))
    const casks = missing.flatMap((p) => ('cask' in p.packages.macos ? [p.packages.macos.cask] : []))
    const commands = [
      ...(formulae.length > 0 ? [{ argv: ['brew', 'install', ...formulae] }] : []),
      ...(casks.length > 0 ? [{ argv: ['brew', 'install', '--cask', ...casks] }] : []),
    ]
    if (hasBrew) return { run: commands }
    return { tell: commands, because: 'Homebrew is not installed', when: 'once Homebrew (https://brew.sh) is installed' }
  }
  return {
    cannot: `install ${missing.map((p) => p.name).join(' and ')} with your system's package manager (this script knows apt-get on Debian and Ubuntu, and Homebrew on macOS)`,
  }
}

/**
 * the machine as installPlan needs to know it
 * @returns {{ platform: Platform, isRoot: boolean, hasSudo: boolean, hasBrew: boolean }}
 */
export function thisMachine() {
  return {
    platform: detectPlatform(),
    isRoot: process.getuid?.() === 0,
    hasSudo: findOnPath(['sudo']) !== undefined,
    hasBrew: findOnPath(['brew']) !== undefined,
  }
}

/**
 * pure: the one sentence `npm test` stops with when `missing` is not empty: what is missing, what
 * it is for, and the command that installs it
 * @param {readonly Prerequisite[]} missing
 * @param {Parameters<typeof installPlan>[1]} machine
 */
export function missingSentence(missing, machine) {
  const plan = installPlan(missing, machine)
  const last = 'run' in plan ? plan.run.at(-1) : 'tell' in plan ? plan.tell.at(-1) : undefined
  const how =
    'run' in plan && last ? `\`npm run setup\`, which runs \`${shellLine(last)}\`` : 'tell' in plan && last ? `\`${shellLine(last)}\` ${plan.when}` : `\`npm run setup\` to see how`
  const verb = missing.length === 1 ? 'is' : 'are'
  return `npm test needs ${listOf(missing.map((p) => `${p.name} (${p.why})`))}, which ${verb} missing: install with ${how}.`
}

/** @param {Command} command a shell line a person can paste */
export function shellLine({ argv }) {
  return argv.join(' ')
}

/** @param {readonly string[]} names "a", "a and b", "a, b and c" */
export function listOf(names) {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}
