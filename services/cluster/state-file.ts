import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * `npm start` leaves a note for `npm run chaos` (and tests) while it runs:
 * `$TMPDIR/clerk-cluster-$PROXY_PORT.json` = {adminToken, launcherUrl, proxyUrl, pids}. It is
 * written once everything answers, rewritten when a pid changes, and removed at stop.
 */
export interface ClusterStateFile {
  adminToken: string
  launcherUrl: string
  proxyUrl: string
  /** launcher, clerks, proxy and (private) redis */
  pids: Record<string, number>
}

export function stateFilePath(proxyPort: number, dir: string = tmpdir()): string {
  return join(dir, `clerk-cluster-${proxyPort}.json`)
}

export function writeStateFile(path: string, state: ClusterStateFile): void {
  // write then rename: a reader never sees half a file
  const partial = `${path}.${process.pid}.tmp`
  writeFileSync(partial, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 })
  renameSync(partial, path)
}

export function readStateFile(path: string): ClusterStateFile | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ClusterStateFile
  } catch {
    return undefined
  }
}

export function removeStateFile(path: string): void {
  rmSync(path, { force: true })
}
