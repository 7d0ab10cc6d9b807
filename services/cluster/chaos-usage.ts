import { CHAOS_VERBS, CLERK_VERBS, REDIS_CHAOS, REDIS_VERBS } from '../common/vocabulary.js'

/** The chaos command's usage text, in one place (printed by --help and after a usage error). */
const clerkLines = CLERK_VERBS.map((verb) => {
  const { signal, does } = CHAOS_VERBS[verb]
  return row(`${verb} <clerk>${verb === 'slow' ? ' <ms>' : ''}`, `${signal === null ? '' : `${signal}: `}${does}`)
})
const redisLines = REDIS_VERBS.map((verb) => row(`redis ${verb}`, REDIS_CHAOS[verb]))

function row(command: string, meaning: string): string {
  return `  ${command.padEnd(20)}  ${meaning}`
}

export const CHAOS_USAGE = `Usage: npm run chaos -- <command>

Break the cluster that \`npm start\` runs (found on PROXY_PORT, default 8080):

${clerkLines.join('\n')}
  redis stop|start|kill   the cluster's private Redis:
${redisLines.join('\n')}
${row('status', 'what runs, with pids, states and restarts')}

Examples:
  npm run chaos -- kill clerk-b
  npm run chaos -- slow clerk-b 300
  PROXY_PORT=9000 npm run chaos -- redis stop

Environment: PROXY_PORT (8080), PROXY_URL (instead of http://127.0.0.1:PROXY_PORT),
ADMIN_TOKEN (else the token npm start wrote to $TMPDIR/clerk-cluster-$PROXY_PORT.json).
Against a compose cluster only kill and slow work (through the clerks' admin routes).`
