import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** True when this module is the script node was started with (so an entry file can also be imported by tests). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1]
  if (!entry) return false
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl))
  } catch {
    return false
  }
}
