/** The chaos command's usage text, in one place (printed by --help and after a usage error). */
export const CHAOS_USAGE = `Usage: npm run chaos -- <command>

Break the cluster that \`npm start\` runs (found on PROXY_PORT, default 8080):

  kill <clerk>          SIGKILL: the clerk is gone and stays down until revive
  terminate <clerk>     SIGTERM: the clerk drains its in-flight answers and exits
  pause <clerk>         SIGSTOP: a hung clerk (its port accepts, nothing answers)
  resume <clerk>        SIGCONT: the paused clerk answers again
  revive <clerk>        start a killed or terminated clerk again, same id and port
  slow <clerk> <ms>     every dialogue answer of that clerk waits <ms> ms (0 undoes it)
  redis stop|start      stop or start the cluster's private Redis
  redis kill            SIGKILL the private Redis, a crash: it is restarted within a second,
                        with every order it acknowledged (its append-only file)
  status                what runs, with pids, states and restarts

Examples:
  npm run chaos -- kill clerk-b
  npm run chaos -- slow clerk-b 300
  PROXY_PORT=9000 npm run chaos -- redis stop

Environment: PROXY_PORT (8080), PROXY_URL (instead of http://127.0.0.1:PROXY_PORT),
ADMIN_TOKEN (else the token npm start wrote to $TMPDIR/clerk-cluster-$PROXY_PORT.json).
Against a compose cluster only kill and slow work (through the clerks' admin routes).`
