/**
 * The usage texts of every load-test command (loadtest, loadtest:matrix, loadtest:scale,
 * bench:clerk, bench:proxy), kept in one place (autocannon's help.txt habit); `-h` / `--help`
 * prints them (args/command-line.ts).
 */
export const loadtestUsage = `Usage: npm run loadtest -- [options]

Many customers run the whole laptop-shop dialogue (ask → buy → pay) through the proxy while
clerks die on a schedule; the report says what each dialogue became and what the ledger holds.

Run
  --mode MODE            stateful | stateless | shared                    (default shared)
  --policy POLICY        round-robin | least-connections | sticky for that mode's route
                         (default: sticky for stateful, round-robin otherwise)
  --customers N          concurrent customers (connections)               (default 20)
  --dialogues N          start at most N dialogues
  --duration TIME        start dialogues for this long, e.g. 30s          (default 10s when
                         --dialogues is not given)
  --target URL           an already running cluster's proxy (chaos and policy need the
                         ADMIN_TOKEN environment variable); without it a local cluster is
                         started for the run and stopped after. Any HTTP balancer in front of
                         the clerks works (HAProxy, nginx, an ingress): its policy is its own,
                         and chaos goes where one of these three says:
  --cluster URL          npm start's launcher API: our proxy's URL, or the launcherUrl in
                         $TMPDIR/clerk-cluster-$PROXY_PORT.json (every chaos verb)
  --clerk ID=URL         a clerk's own address, repeated: kill = its POST /_admin/crash,
                         slow = its /_admin/slow (a clerk cannot revive, pause or SIGTERM itself)
  --orchestrator kubernetes  chaos runs kubectl: --kill/--terminate delete a clerk pod
                         (clerk-a = the first Running clerk pod by name), --scale sets replicas
  --namespace NS         the clerks' namespace for kubectl                 (default clerk-cluster)
  --clerks N             clerks of the local cluster                      (default 3)
  --keepalive on|off     off: every request says Connection: close        (default on)
  --keys on|off          off: no Idempotency-Key on any step, as browsers  (default on)
  --cookies on|off       off: customers refuse cookies; stateful and shared dialogues then
                         end at buy as no_session, stateless ones carry on (default on)
  --items N              products in each cart, the laptop included, 1-50: a stateless
                         token carries the whole cart (default 1)
  --compare-keepalive    run twice, keep-alive on then off, and compare (throughput, latency,
                         sockets in TIME_WAIT before and after)
  --pipelining N         HTTP pipelining per connection; above 1 only with --mode stateless
  --protocol http|mcp    mcp: MCP customers (the SDK's client) at /{mode}/mcp; sticky pins on
                         Mcp-Session-Id (docs/mcp.md)                      (default http)
  --timeout SECONDS      per request                                       (default 10)
  --json FILE            write the report as JSON (fields: docs/loadtest.md)
  --html FILE            write a self-contained HTML report with the timeline chart
  --quiet                no live progress line
  -h, --help             this text

Chaos (TIME: 5s, 500ms, 1.5s, or a share of --duration such as 33%)
  --kill CLERK@TIME       SIGKILL            --terminate CLERK@TIME   SIGTERM (drains)
  --pause CLERK@TIME      SIGSTOP            --resume CLERK@TIME      SIGCONT
  --revive CLERK@TIME     start it again     --slow CLERK:MS@TIME     every answer waits MS
  --redis-stop@TIME       stop Redis         --redis-start@TIME       start it again
  --add-clerk@TIME        a new clerk (npm start: next free id; Kubernetes: replicas + 1)
  --remove CLERK@TIME     drain it (handoff in stateful), stop it, forget it
  --scale N@TIME          N clerk pods (--orchestrator kubernetes only)
  Each may be given several times.

Examples
  npm run loadtest -- --mode stateful --policy sticky --customers 50 --duration 30s \\
      --kill clerk-b@10s --revive clerk-b@20s --html report.html
  npm run loadtest -- --mode shared --dialogues 2000 --redis-stop@3s --redis-start@6s
  ADMIN_TOKEN=… npm run loadtest -- --target http://127.0.0.1:8080 --mode stateless
  ADMIN_TOKEN=… npm run loadtest -- --target http://127.0.0.1:8090 --keys off \
      --clerk clerk-b=http://127.0.0.1:3002 --kill clerk-b@3s          (HAProxy in front)
`

export const matrixUsage = `Usage: npm run loadtest:matrix -- [options]

Runs every session design under the same chaos in one go, against one cluster, and prints the
comparison table: stateful + round-robin, stateful + sticky, stateless, shared; then stateful +
sticky with the clerk terminated (SIGTERM: it hands its dialogues over) beside killed at the same
moment; then stateless and shared with customers who send no Idempotency-Key; then stateful
pinned per connection, kept alive and closed, with no crash (a connection is not a session).
Then the same stateless run with keep-alive on and off (throughput, latency, TIME_WAIT).

  --customers N          concurrent customers per row                     (default 20)
  --duration TIME        length of each row                               (default 9s)
  --kill CLERK           the clerk killed at 1/3 of each row and revived at 2/3 (default clerk-b)
  --no-chaos             rows without chaos
  --no-keepalive-compare skip the keep-alive comparison
  --mcp                  the MCP rows too (stateful + mcp-session, stateless, shared), after the
                         HTTP ones (docs/mcp.md)
  --only TEXT            only the rows whose label contains TEXT, e.g. --only handoff
  --target URL           an already running cluster (ADMIN_TOKEN from the environment)
  --clerks N             clerks of the local cluster                      (default 3)
  --json FILE            JSON report                                      (default: none)
  --html FILE            HTML report                        (default reports/loadtest-matrix.html)
  --quiet                no live progress line
  -h, --help             this text
`

export const scaleUsage = `Usage: npm run loadtest:scale -- [options]

Runs the same stateless load against 1, 2, … N clerks, each clerk made small on purpose
(CLERK_WORK_MS per answer, at most CLERK_CONCURRENCY answers at once), and plots completed
dialogues per second against the number of clerks, with the CPU used by the proxy and the clerks.

  --max-clerks N         largest cluster                                  (default 4)
  --work-ms MS           CLERK_WORK_MS, simulated work per answer          (default 20)
  --concurrency N        CLERK_CONCURRENCY, answers in progress per clerk  (default 4)
  --customers N          concurrent customers                             (default 32)
  --duration TIME        length of each step                              (default 6s)
  --mode MODE            stateless | shared | stateful (sticky)            (default stateless)
  --json FILE            JSON report
  --html FILE            HTML report                         (default reports/loadtest-scale.html)
  --quiet                no live progress line
  -h, --help             this text
`

export const benchClerkUsage = `Usage: npm run bench:clerk -- [options]

One real clerk process per mode (stateful, stateless, shared) and one real redis-server; autocannon
runs whole dialogues (ask → buy → pay) on every connection. Modes take turns in rounds so a noisy
machine hurts them alike. Prints requests/s, p50/p99, dialogues/s, CPU per request, bytes on the
wire and CPU per dialogue, and each mode's ratio to stateless and stateful.

  --duration S           seconds per mode per round                       (default 4)
  --rounds N             rounds                                           (default 3)
  --connections N        concurrent connections                           (default 50)
  --warmup S             seconds of unmeasured traffic per clerk first    (default 2)
  --items A,B,…          cart sizes (products per dialogue, 1-50), each measured in turn;
                         with several, a table of bytes, CPU and latency per size and mode and
                         where carrying the cart costs more than a Redis round trip (default 1)
  --json FILE            write those rows as JSON (the data for a chart)
  --html FILE            the charts: bytes, CPU and p50 per dialogue against the cart's size,
                         one line per mode, in one self-contained page
  -h, --help             this text
`

export const benchProxyUsage = `Usage: npm run bench:proxy -- [options]

The same stateless request (POST /stateless/ask) straight at a clerk, through this proxy (each
engine, 1 and 2 workers) and through HAProxy and nginx, in one run with the same clerks; prints
requests/s, p50/p99 and the CPU each proxy spent per request (user and system), with ratios to
HAProxy, and how many clerks of a given cost one proxy core can front.

  --duration S           seconds per target                               (default 10)
  --slice S              the targets take turns in slices of S seconds    (default 5)
  --connections N        concurrent connections                           (default 50)
  --clerks N             clerks behind the proxies                        (default 2)
  --warmup S             seconds of unmeasured traffic per target first   (default 1)
  --generator NAME       wrk | autocannon                    (default wrk when it is on PATH)
  --only LIST            some of direct,undici-1,undici-2,http-proxy-1,http-proxy-2,net-1,net-2,
                         haproxy,nginx
  --clerk-cost US        a clerk's CPU per request in µs for the capacity line
                                                      (default: measured on the direct target)
  -h, --help             this text
`
