import { defineOptions, port, text } from '../common/options.js'
import { readStateFile, stateFilePath } from './state-file.js'

/**
 * Where a command finds the cluster `npm start` runs (one table for `npm run chaos`, `npm run
 * workshop` and `npm run reset`): the proxy on PROXY_PORT, or PROXY_URL, and the admin token from
 * the environment, else the one npm start wrote to its state file.
 *
 *   const options = clusterTargetOptions('npm run chaos', { port: 'the port of the cluster to break', token: 'the admin token' })
 *   const { proxyUrl, adminToken } = clusterTarget(options.read(process.env))
 */
export interface ClusterTargetSettings {
  proxyPort: number
  proxyUrl: string | undefined
  adminToken: string | undefined
}

/** the options table, worded for one command (`part` names it in the docs and in errors) */
export function clusterTargetOptions(part: string, what: { port: string; token: string }) {
  return defineOptions<ClusterTargetSettings>({
    part,
    options: [
      { env: 'PROXY_PORT', key: 'proxyPort', read: port(), default: 8080, doc: `${what.port} (npm start's PROXY_PORT)` },
      { env: 'PROXY_URL', key: 'proxyUrl', read: text(), docDefault: 'http://127.0.0.1:PROXY_PORT', doc: 'the proxy to talk to, instead of the local one' },
      {
        env: 'ADMIN_TOKEN',
        key: 'adminToken',
        read: text(),
        docDefault: 'the token npm start wrote',
        doc: `${what.token}; else the one \`npm start\` wrote to \`$TMPDIR/clerk-cluster-$PROXY_PORT.json\``,
      },
    ],
  })
}

/** the proxy's URL (no trailing slash) and the admin token, once the settings are read */
export function clusterTarget(settings: Readonly<ClusterTargetSettings>): { proxyUrl: string; adminToken: string | undefined } {
  return {
    proxyUrl: (settings.proxyUrl ?? `http://127.0.0.1:${settings.proxyPort}`).replace(/\/+$/, ''),
    adminToken: settings.adminToken ?? readStateFile(stateFilePath(settings.proxyPort))?.adminToken,
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * The admin token `npm start` wrote for the cluster at `url`, when that URL is a cluster on this
 * machine (a loopback host whose port has a state file naming the same proxy port); else undefined.
 * So `npm run loadtest -- --target http://localhost:8080` needs no ADMIN_TOKEN, as `npm run chaos`
 * needs none.
 */
export function localClusterToken(url: string, dir?: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  if (!LOOPBACK_HOSTS.has(parsed.hostname)) return undefined
  const port = Number(parsed.port || 80)
  const state = readStateFile(stateFilePath(port, dir))
  if (state === undefined) return undefined
  try {
    return Number(new URL(state.proxyUrl).port || 80) === port ? state.adminToken : undefined
  } catch {
    return undefined
  }
}
