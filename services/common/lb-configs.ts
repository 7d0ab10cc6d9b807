/**
 * HAProxy and nginx configurations for the same clerk list the proxy gets (PROXY_CLERKS), so the
 * same keyless kill and pause can be driven through each (loadtest/lb-compare/). Pure text from
 * data; deploy/lb/ holds copies written for docker compose's clerk names.
 *
 * Both are set as close to our proxy's defaults as each can be: a 1 s per-try timeout, 3 tries,
 * a 1 s connect timeout, retries of a request that may have reached a dead clerk.
 *
 * @example
 *   haproxyConfig({ clerks: [{ id: 'clerk-a', host: '127.0.0.1', port: 3001 }], listen: { host: '127.0.0.1', port: 8081 } })
 */

export interface LbClerk {
  readonly id: string
  readonly host: string
  readonly port: number
}

export interface LbConfigInput {
  readonly clerks: readonly LbClerk[]
  readonly listen: { readonly host: string; readonly port: number }
  /** one try's answer deadline (ms): HAProxy's `timeout server`, nginx's `proxy_read_timeout` */
  readonly perTryMs?: number
  /** the period of HAProxy's checks of /readyz (ms) */
  readonly checkIntervalMs?: number
}

const PER_TRY_MS = 1_000 // our PROXY_PER_TRY_TIMEOUT_MS default
const CHECK_MS = 1_000 // our PROXY_HEALTH_INTERVAL_MS default

/**
 * HAProxy 2.6: round robin, a sticky cookie it inserts itself (SRV), redispatch when the cookie's
 * server is down, layer-7 retries on a connect failure, an empty answer or a response timeout,
 * and active checks of GET /readyz (fall 2, rise 2, as ours).
 */
export function haproxyConfig({ clerks, listen, perTryMs = PER_TRY_MS, checkIntervalMs = CHECK_MS }: LbConfigInput): string {
  const servers = clerks.map((c) => `  server ${c.id} ${c.host}:${c.port} check cookie ${c.id}`).join('\n')
  return `# written by services/common/lb-configs.ts: HAProxy in front of the clerks
global
  maxconn 4096

defaults
  mode http
  timeout connect 1s
  timeout client 30s
  # one try's deadline, like our per-try timeout
  timeout server ${perTryMs}ms
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout
  option http-buffer-request

frontend customers
  bind ${listen.host}:${listen.port}
  default_backend clerks

backend clerks
  balance roundrobin
  cookie SRV insert indirect nocache httponly
  option httpchk GET /readyz
  default-server inter ${checkIntervalMs}ms fall 2 rise 2
${servers}
`
}

/**
 * nginx (open source): round robin, passive health only (max_fails / fail_timeout: no active
 * checks), proxy_next_upstream with `non_idempotent` so a POST cut by a dead clerk goes to the
 * next one, as ours does on routes idempotent by design. What it cannot: insert a sticky cookie
 * (`sticky` is nginx Plus) — a hash of the session cookie the clerk sets sends the customer's
 * second request to whichever clerk the hash names, rarely the one that holds the session, so a
 * stateful dialogue through it mostly ends in context_lost; nor check /readyz actively.
 *
 * @param dir a directory nginx may write to (pid, temp files, error log)
 */
export function nginxConfig({ clerks, listen, perTryMs = PER_TRY_MS }: LbConfigInput, dir: string): string {
  const servers = clerks.map((c) => `    server ${c.host}:${c.port} max_fails=1 fail_timeout=2s;`).join('\n')
  const perTryS = Math.max(1, Math.round(perTryMs / 1_000))
  return `# written by services/common/lb-configs.ts: nginx in front of the clerks
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;

events {
  worker_connections 1024;
}

http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  upstream clerks {
${servers}
    keepalive 32;
  }
  # a customer with a stateful session cookie is hashed on it; the clerk that holds the session
  # is not the one the hash names: open-source nginx has no cookie it can insert itself
  upstream clerks_by_session {
    hash $cookie_stateful_sid consistent;
${servers}
    keepalive 32;
  }
  map $cookie_stateful_sid $pool {
    "" clerks;
    default clerks_by_session;
  }

  server {
    listen ${listen.host}:${listen.port};
    location / {
      proxy_pass http://$pool;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_connect_timeout 1s;
      # one try's deadline (whole seconds: nginx's unit here)
      proxy_read_timeout ${perTryS}s;
      proxy_next_upstream error timeout invalid_header http_502 http_504 non_idempotent;
      proxy_next_upstream_tries 3;
      proxy_next_upstream_timeout 10s;
    }
  }
}
`
}

/** what deploy/lb/ is written for: docker compose's clerks (clerk-a:3000 …), HAProxy on 8081, nginx on 8082 */
export const COMPOSE_CLERKS: readonly LbClerk[] = Object.freeze(['clerk-a', 'clerk-b', 'clerk-c'].map((id) => Object.freeze({ id, host: id, port: 3000 })))
export const COMPOSE_LB_FILES = Object.freeze({
  'deploy/lb/haproxy.cfg': () => haproxyConfig({ clerks: COMPOSE_CLERKS, listen: { host: '0.0.0.0', port: 8081 } }),
  'deploy/lb/nginx.conf': () => nginxConfig({ clerks: COMPOSE_CLERKS, listen: { host: '0.0.0.0', port: 8082 } }, '/tmp'),
})

/** the balancers `npm start` can run beside our proxy (FRONT=haproxy,nginx) and lb-compare drives */
export const FRONTS = ['haproxy', 'nginx'] as const
export type FrontName = (typeof FRONTS)[number]

/** `name`'s configuration for these clerks; nginx writes its pid and temp files into `dir` */
export function frontConfig(name: FrontName, input: LbConfigInput, dir: string): string {
  return name === 'haproxy' ? haproxyConfig(input) : nginxConfig(input, dir)
}

/**
 * The arguments that run `name` in the foreground on `configFile`, so a supervisor sees it exit:
 * HAProxy's -db; nginx without its daemon and master process (one process to signal, whose
 * SIGTERM stops it at once), its start-up errors on stderr rather than in /var/log.
 */
export function frontArgs(name: FrontName, configFile: string, dir: string): string[] {
  return name === 'haproxy' ? ['-db', '-f', configFile] : ['-c', configFile, '-p', dir, '-e', 'stderr', '-g', 'daemon off; master_process off;']
}
