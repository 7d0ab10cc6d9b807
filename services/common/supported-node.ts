/**
 * The oldest Node this project runs on, checked before anything else loads. Every entry point
 * imports this module first (`import '../common/supported-node.js'`): ES modules are evaluated in
 * the order they are imported, so a `node dist/…` typed by hand on an older Node stops here with
 * one sentence, before a library fails while loading (undici 8 throws a TypeError deep inside its
 * own files on Node 20). `npm start` and every npm script never get here on Linux: they run the
 * Node 24 that `npm ci` installs into node_modules/.bin (docs/running.md).
 *
 * The floor equals package.json's engines.node (a unit test keeps them equal): undici 8 needs
 * 22.19, vitest 5 and cookie 2 need 22.
 */
export const MINIMUM_NODE = Object.freeze({ major: 22, minor: 19 })

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
