import { redactUrl } from '../common/redact-url.js'
import type { RedisPlan } from './plan.js'

/**
 * Pure: the one block `npm start` prints once the cluster answers: where to go, how to play the
 * dialogue with curl in each mode, how to break things, how to stop.
 */
export interface BannerInfo {
  proxyPort: number
  clerks: ReadonlyArray<{ id: string; port: number }>
  redis: RedisPlan
  redisUrl: string
  adminToken: string
  adminTokenGenerated: boolean
  stateFile: string
  /** HAProxy / nginx beside our proxy, in front of the same clerks (FRONT) */
  fronts?: ReadonlyArray<{ id: string; port: number }>
  /** where learners of a room connect (PROXY_HOST beyond loopback: learner-addresses.ts); none: a lone run */
  learnerUrls?: readonly string[]
}

const DEFAULT_PORT = 8080

export function renderBanner(info: BannerInfo): string {
  const base = `http://localhost:${info.proxyPort}`
  const chaos = info.proxyPort === DEFAULT_PORT ? 'npm run chaos --' : `PROXY_PORT=${info.proxyPort} npm run chaos --`
  const json = `-H 'content-type: application/json'`
  const jar = '-b /tmp/clerk.jar -c /tmp/clerk.jar'
  const clerkList = info.clerks.map((c) => `${c.id} :${c.port}`).join(', ')
  const other = info.clerks[1]?.id ?? info.clerks[0]?.id ?? 'clerk-a'
  const line = '─'.repeat(78)

  const redisLines: string[] = []
  if (info.redis.kind === 'private') {
    redisLines.push(
      `  redis       private redis-server on ${redactUrl(info.redisUrl)}, append-only file fsynced ${info.redis.appendFsync === 'always' ? 'on every write' : 'every second'}`,
      info.redis.dataDir === undefined
        ? '              throwaway run (CLUSTER_REDIS_THROWAWAY=1): its data goes when the cluster stops'
        : `              data kept in ${info.redis.dataDir} (CLUSTER_REDIS_DATA_DIR): orders survive crashes and restarts`,
    )
  } else if (info.redis.kind === 'external') {
    redisLines.push(`  redis       ${redactUrl(info.redisUrl)} (REDIS_URL)`)
  } else {
    redisLines.push(
      '  redis       NOT FOUND: stateful and stateless work; shared mode and payments answer 503.',
      '              Get Redis: npm run setup (then npm start again),',
      '              or point at one: REDIS_URL=redis://host:6379 npm start',
    )
  }

  return [
    line,
    `clerk-cluster is running: ${info.clerks.length} clerks behind the proxy`,
    '',
    `  dashboard   ${base}/#token=${info.adminToken}`,
    `  proxy       ${base}   (${clerkList})`,
    ...(info.fronts ?? []).map(
      (f) => `  ${f.id.padEnd(11)} http://localhost:${f.port}   (FRONT: the same clerks behind ${f.id === 'nginx' ? 'nginx' : 'HAProxy'}, docs/failover.md)`,
    ),
    ...(info.learnerUrls && info.learnerUrls.length > 0
      ? [`  learners    ${info.learnerUrls.join('  ')}   (no token: they play and watch; chaos and policies need the token)`]
      : []),
    ...redisLines,
    `  admin token ${info.adminToken}${info.adminTokenGenerated ? '   (made up for this run; set ADMIN_TOKEN to choose one)' : ''}`,
    '',
    'Play the dialogue: stateful (the session lives in one clerk; the cookie jar keeps it and the sticky clerk)',
    `  curl ${jar} ${json} -d '{"product":"laptop"}' ${base}/stateful/ask`,
    `  curl ${jar} ${json} -d '{"quantity":2}' ${base}/stateful/buy`,
    `  curl ${jar} ${json} -d '{"method":"card"}' ${base}/stateful/pay`,
    'Shared (the session lives in Redis, any clerk can answer): the same three lines with /shared/',
    'Stateless (you carry the context: copy the "context" of each answer into the next request)',
    `  curl ${json} -d '{"product":"laptop"}' ${base}/stateless/ask`,
    `  curl ${json} -d '{"context":"<context from ask>","quantity":2}' ${base}/stateless/buy`,
    `  curl ${json} -d '{"context":"<context from buy>","method":"card"}' ${base}/stateless/pay`,
    '',
    'Break things (in another terminal), then watch the dashboard',
    `  ${chaos} kill ${other}        SIGKILL: gone, stays down until revive`,
    `  ${chaos} terminate ${other}   SIGTERM: drains in-flight answers, exits`,
    `  ${chaos} pause ${other}       SIGSTOP: a hung clerk (resume ${other} wakes it)`,
    `  ${chaos} revive ${other}      starts it again, same id and port`,
    `  ${chaos} slow ${other} 300    every answer 300 ms late (slow ${other} 0 undoes it)`,
    `  ${chaos} redis stop          shared mode and payments answer 503 (redis start)`,
    `  ${chaos} policy stateful round-robin   the dashboard's policy switch: "2 of what?" (policy stateful sticky)`,
    `  ${chaos} status`,
    '',
    `Stop: Ctrl-C (twice to force). Token and pids for the chaos command: ${info.stateFile}`,
    line,
  ].join('\n')
}
