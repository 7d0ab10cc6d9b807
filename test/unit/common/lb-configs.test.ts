import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { COMPOSE_LB_FILES, haproxyConfig, nginxConfig } from '../../../services/common/lb-configs.js'

const clerks = [
  { id: 'clerk-a', host: '127.0.0.1', port: 3001 },
  { id: 'clerk-b', host: '127.0.0.1', port: 3002 },
]

describe('the HAProxy and nginx configurations', () => {
  it('give HAProxy every clerk with its cookie and check, redispatch and the retries of the issue', () => {
    const cfg = haproxyConfig({ clerks, listen: { host: '127.0.0.1', port: 9000 } })
    expect(cfg).toContain('bind 127.0.0.1:9000')
    expect(cfg).toContain('server clerk-b 127.0.0.1:3002 check cookie clerk-b')
    for (const line of ['balance roundrobin', 'cookie SRV insert', 'option redispatch', 'retry-on conn-failure empty-response response-timeout', 'option httpchk GET /readyz']) {
      expect(cfg).toContain(line)
    }
  })

  it('give nginx every clerk twice (round robin, and hashed on the stateful session) and POST retries', () => {
    const cfg = nginxConfig({ clerks, listen: { host: '127.0.0.1', port: 9001 } }, '/tmp/x')
    expect(cfg).toContain('listen 127.0.0.1:9001;')
    expect(cfg.match(/server 127\.0\.0\.1:3002 max_fails=1 fail_timeout=2s;/g)).toHaveLength(2)
    expect(cfg).toContain('proxy_next_upstream error timeout invalid_header http_502 http_504 non_idempotent;')
    expect(cfg).toContain('pid /tmp/x/nginx.pid;')
  })

  it.each(Object.entries(COMPOSE_LB_FILES))('%s is what lb-configs.ts writes (node dist/loadtest/lb-compare/write-deploy-configs.js)', (file, render) => {
    expect(readFileSync(file, 'utf8')).toBe(render())
  })
})
