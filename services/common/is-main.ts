import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * True when this module is the script node was started with, so that an entry file (a CLI, a
 * script) can also be imported by tests and other modules without running. Compared as real
 * paths: `node dist/x.js` through a symlinked checkout is still x.js.
 *
 * @example
 *   if (isMain(import.meta.url)) process.exitCode = await main(process.argv.slice(2))
 */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1]
  if (!entry) return false
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl))
  } catch {
    return false
  }
}
