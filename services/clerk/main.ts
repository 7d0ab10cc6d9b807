import '../common/supported-node.js'
import { ConfigError } from '../common/options.js'
import { redactUrl } from '../common/redact-url.js'
import { buildClerk } from './build-clerk.js'
import { untilCustomersStop } from './lame-duck.js'
import { readClerkOptions, type ClerkOptions } from './options.js'
import { redisReady } from './redis-client.js'

// `npm run clerk`: read the environment, build, listen, drain on SIGTERM/SIGINT.
let options: Readonly<ClerkOptions>
try {
  options = readClerkOptions(process.env)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`clerk: ${err.message}\n`)
  process.exit(1)
}

const app = await buildClerk(options)
// Give Redis a moment before taking customers, so the first shared dialogues do not meet a 503
// just because the connection was still opening. A missing Redis never stops the clerk.
if (!(await redisReady(app.clerk.redis, 1000))) {
  app.log.warn(`Redis at ${redactUrl(options.redisUrl)} is not reachable yet: shared mode and pay answer 503 until it is`)
}
if (options.sessionSecretIsDefault) {
  app.log.warn('SESSION_SECRET is not set: using the fixed development secret (set one shared by all clerks)')
}
try {
  await app.listen({ port: options.port, host: options.host })
} catch (err) {
  process.stderr.write(`clerk: cannot listen on ${options.host}:${options.port}: ${(err as Error).message}\n`)
  process.exit(1)
}

// how long no customer request must have come before a draining clerk closes (lame-duck.ts)
const LAME_DUCK_QUIET_MS = 500 // 0.5 s

let stopping = false
async function drain(signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  app.clerk.draining = true
  if (options.handoff === 'redis') await handOff()
  app.log.info({ signal, inFlight: app.clerk.inFlight }, 'draining: turning customers away until they stop coming, finishing in-flight requests')
  // a connection that never finishes must not keep the clerk alive forever
  const force = setTimeout(() => app.server.closeAllConnections(), options.shutdownTimeoutMs)
  force.unref()
  await untilCustomersStop(app.clerk, LAME_DUCK_QUIET_MS, options.shutdownTimeoutMs / 2)
  await app.close()
  process.exit(0)
}
/** parks the live stateful dialogues for the next clerk (handoff.ts); customers wait meanwhile */
async function handOff(): Promise<void> {
  const parking = app.clerk.handoff.parkAll()
  app.clerk.handingOff = parking
  const report = await parking
  app.clerk.handingOff = undefined
  if (report.state === 'failed') app.log.warn({ handoff: report }, `handoff failed, draining without it: ${report.failure ?? ''}`)
  else app.log.info({ handoff: report }, `handed ${report.parked} live stateful dialogue(s) over through Redis`)
}
process.once('SIGTERM', () => void drain('SIGTERM'))
process.once('SIGINT', () => void drain('SIGINT'))
