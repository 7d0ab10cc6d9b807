/**
 * The oldest Node this project runs on, checked before anything else loads. Every entry point
 * imports this module first (`import '../common/supported-node.js'`): ES modules are evaluated in
 * the order they are imported, so a `node dist/…` typed by hand on an older Node stops here with
 * one sentence, before any library that needs a newer Node runs (cookie 2 under the clerk's
 * sessions declares Node 22). `npm start` and every npm script never get here on Linux: they run the
 * Node 24 that `npm ci` installs into node_modules/.bin (docs/running.md).
 *
 * The floor equals package.json's engines.node (a unit test keeps them equal): vitest 5 needs
 * 22.12, cookie 2 needs 22.
 */
export const MINIMUM_NODE = Object.freeze({ major: 22, minor: 12 })

/**
 * pure: the sentence that refuses `version` (process.version, e.g. "v20.20.2"), or undefined
 * when it is new enough
 */
export function unsupportedNodeSentence(version: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
  const newEnough = major > MINIMUM_NODE.major || (major === MINIMUM_NODE.major && minor >= MINIMUM_NODE.minor)
  if (newEnough) return undefined
  const floor = `${MINIMUM_NODE.major}.${MINIMUM_NODE.minor}`
  return (
    `clerk-cluster needs Node ${floor} or newer and this is Node ${version}: start it through npm ` +
    `(npm start, npm run …), which runs the Node 24 that npm ci installed in node_modules/.bin, ` +
    `or put Node ${floor}+ first on your PATH (docs/running.md).`
  )
}

const refusal = unsupportedNodeSentence(process.version)
if (refusal !== undefined) {
  process.stderr.write(`${refusal}\n`)
  process.exit(1)
}
