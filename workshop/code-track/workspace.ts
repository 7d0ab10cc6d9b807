import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CodeExercise } from './code-exercises.js'

/**
 * The learner's workspace: one file per exercise, `<workspace>/<slug>.ts`, outside the source
 * tree (`workshop-work/` at the project root, gitignored, or CODE_TRACK_DIR). `start` copies the
 * stub there unless the learner already has a file (never overwrites work), `reset` puts the stub
 * back. The stub's relative imports are rewritten for the new place, so the file still imports
 * the project's own modules wherever the workspace is.
 */

/** the project root (this file is workshop/code-track/workspace.ts, or dist/workshop/code-track/workspace.js) */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)))

function findRoot(dir: string): string {
  // up from workshop/code-track (source) or dist/workshop/code-track (built)
  const up = resolve(dir, '..', '..')
  return up.endsWith(`${'/'}dist`) ? dirname(up) : up
}

export function workspaceDir(env: Readonly<Record<string, string | undefined>>): string {
  const dir = env.CODE_TRACK_DIR
  if (dir === undefined || dir === '') return join(PROJECT_ROOT, 'workshop-work')
  return isAbsolute(dir) ? dir : resolve(dir)
}

export const stubPath = (e: CodeExercise, kind: 'stub' | 'answer' = 'stub'): string => join(PROJECT_ROOT, 'workshop', 'code-track', e.slug, `${kind}.ts`)
export const learnerPath = (e: CodeExercise, dir: string): string => join(dir, `${e.slug}.ts`)

/** `from '../../x.js'` written for a file in `fromDir`, rewritten for a file in `toDir` */
export function rebaseImports(text: string, fromDir: string, toDir: string): string {
  return text.replace(/(from\s+|import\s*\(\s*)(['"])(\.\.?\/[^'"]+)\2/g, (_all, lead: string, quote: string, spec: string) => {
    let rebased = relative(toDir, resolve(fromDir, spec)).split('\\').join('/')
    if (!rebased.startsWith('.')) rebased = `./${rebased}`
    return `${lead}${quote}${rebased}${quote}`
  })
}

async function writeStub(e: CodeExercise, dir: string): Promise<string> {
  const from = stubPath(e)
  const to = learnerPath(e, dir)
  await mkdir(dir, { recursive: true })
  await writeFile(to, rebaseImports(await readFile(from, 'utf8'), dirname(from), dir))
  return to
}

export type StartResult = { file: string; created: boolean }

/** the stub in the workspace, unless the learner's file is already there */
export async function startExercise(e: CodeExercise, dir: string): Promise<StartResult> {
  const file = learnerPath(e, dir)
  try {
    await readFile(file)
    return { file, created: false }
  } catch {
    return { file: await writeStub(e, dir), created: true }
  }
}

/** the stub back in the workspace; the learner's file is kept beside it as `<slug>.ts.bak` */
export async function resetExercise(e: CodeExercise, dir: string): Promise<{ file: string; backup: string | undefined }> {
  const file = learnerPath(e, dir)
  let backup: string | undefined
  try {
    await copyFile(file, `${file}.bak`)
    backup = `${file}.bak`
  } catch {
    backup = undefined
  }
  await writeStub(e, dir)
  return { file, backup }
}
