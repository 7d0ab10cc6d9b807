import '../services/common/supported-node.js'
import cluster from 'node:cluster'
import { createLogger } from '../services/common/log.js'
import { ConfigError } from '../services/common/options.js'
import { buildProxy, logHealth } from './build-proxy.js'
import { runPrimary } from './cluster/primary.js'
import { runWorker } from './cluster/worker.js'
import { listenFailure } from './front/listen-failure.js'
import { readProxyOptions, type ProxyOptions } from './options.js'

// `npm run proxy`: read the environment, build, listen, handle signals. PROXY_WORKERS > 1 runs
// node:cluster: the primary holds the truth, the workers serve.
let options: ProxyOptions
try {
  // workers run this file again: only the primary says that an old variable name is deprecated
  options = readProxyOptions(process.env, cluster.isPrimary ? undefined : () => {})
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`proxy: ${err.message}\n`)
    process.exit(1)
  }
  throw err
}

const logger = createLogger('proxy', options.logLevel)
const log = (msg: string) => logger.info(msg)

if (options.workers > 1 && cluster.isPrimary) {
  await runPrimary(options, log, logger)
} else if (cluster.isWorker) {
  await runWorker(options)
} else {
  const proxy = buildProxy(options)
  logHealth(proxy.state.events, logger)
  // a busy PROXY_PORT or a PROXY_HOST that does not resolve: one sentence, not node's stack trace
  const port = await proxy.listen().catch((err: unknown) => {
    process.stderr.write(`proxy: ${listenFailure(err, options.host, options.port)}\n`)
    process.exit(1)
  })
  log(
    `proxy (${options.engine}) listening on http://${options.host}:${port} for ${options.clerks.length > 0 ? options.clerks.map((c) => c.id).join(', ') : 'the clerks PROXY_DISCOVER finds'}`,
  )
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log(`${signal}: finishing in-flight requests`)
    proxy.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}
