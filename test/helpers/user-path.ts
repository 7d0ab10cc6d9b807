import { execFileSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

/**
 * The PATH of the shell that ran `npm test`: npm puts every node_modules/.bin above the project
 * (and its own node-gyp-bin) in front, and the project's .bin holds the Node 24 binary. Tests that
 * must see what a person's shell sees (which `node` answers, what `npm start` adds) use this.
 */
export function userPath(path: string = process.env.PATH ?? ''): string {
  return path
    .split(delimiter)
    .filter((dir) => dir !== '' && !/node_modules[\\/]\.bin$/.test(dir) && !/node-gyp-bin$/.test(dir))
    .join(delimiter)
}

/** the first `node` on the user's PATH and its version ("v20.20.2"), or undefined if there is none */
export function userNode(): { path: string; version: string } | undefined {
  for (const dir of userPath().split(delimiter)) {
    const candidate = join(dir, 'node')
    try {
      accessSync(candidate, constants.X_OK)
    } catch {
      continue
    }
    const version = execFileSync(candidate, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim() // 10 s
    return { path: candidate, version }
  }
  return undefined
}
