import { chromium, type Browser } from 'playwright-core'
import { describe } from 'vitest'
import { findChromium, missingPrerequisites, missingSentence, thisMachine } from '../../scripts/prerequisites.mjs'

/** the Chromium the browser tests drive (scripts/prerequisites.mjs says where it is looked for) */
export const CHROMIUM = findChromium()

/** CI=true (or 1, yes…), as CI services set it */
export function runsInCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI !== undefined && !['', '0', 'false', 'no'].includes(env.CI.toLowerCase())
}

/**
 * `describe` for a suite that needs Chromium. Without Chromium: in CI the file fails to load with
 * the sentence `npm test` says (a skipped browser suite would let a green run hide it); elsewhere
 * (a direct `vitest run`; `npm test` itself stops earlier) the suite is skipped with a warning.
 */
export const describeWithChromium = ((): ReturnType<typeof describe.skipIf> => {
  if (CHROMIUM !== undefined) return describe.skipIf(false)
  const sentence = missingSentence(
    missingPrerequisites(['required']).filter((p) => p.name === 'Chromium'),
    thisMachine(),
  )
  if (runsInCi()) throw new Error(`the browser tests cannot run in CI without Chromium. ${sentence}`)
  console.warn(`[browser tests] SKIPPED: ${sentence}`)
  return describe.skipIf(true)
})()

/** headless Chromium, with the flags it needs on this closed network */
export function launchChromium(): Promise<Browser> {
  if (CHROMIUM === undefined) throw new Error('no Chromium: describeWithChromium skips or fails the suite before this')
  return chromium.launch({
    executablePath: CHROMIUM,
    // without the background-networking flags Chromium stalls on this closed network
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}
