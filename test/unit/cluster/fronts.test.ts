import { describe, expect, it } from 'vitest'
import { findBinary, frontPlan, missingFrontMessage } from '../../../services/cluster/fronts.js'
import { readClusterOptions } from '../../../services/cluster/options.js'

const clerks = [
  { id: 'clerk-a', host: '127.0.0.1', port: 8081 },
  { id: 'clerk-b', host: '127.0.0.1', port: 8082 },
]

describe('FRONT for npm start', () => {
  it('reads FRONT into the balancers, each once, and FRONT_PORT (default PROXY_PORT+100)', () => {
    expect(readClusterOptions({ FRONT: 'nginx,haproxy' })).toMatchObject({ fronts: ['haproxy', 'nginx'], frontPort: 8180 })
    expect(readClusterOptions({})).toMatchObject({ fronts: [] })
    expect(readClusterOptions({ FRONT: 'haproxy', FRONT_PORT: '9000', PROXY_PORT: '7000' })).toMatchObject({ fronts: ['haproxy'], frontPort: 9000 })
  })

  it('refuses an unknown balancer and a FRONT_PORT among the clerks, in one sentence', () => {
    expect(() => readClusterOptions({ FRONT: 'envoy' })).toThrow('FRONT must be haproxy, nginx or haproxy,nginx (or none), got "envoy"')
    expect(() => readClusterOptions({ FRONT: 'haproxy', FRONT_PORT: '8082' })).toThrow(/FRONT_PORT 8082 must be a fixed port .* outside PROXY_PORT 8080/)
  })

  it('runs HAProxy on FRONT_PORT and nginx on the next, from the one generator, in the foreground', () => {
    const haproxy = frontPlan('haproxy', { frontPort: 8180, host: '0.0.0.0', clerks, dir: '/tmp/f', binary: '/usr/sbin/haproxy' })
    expect(haproxy.spec).toMatchObject({ id: 'haproxy', kind: 'front', port: 8180, command: ['/usr/sbin/haproxy', '-db', '-f', '/tmp/f/haproxy.conf'] })
    expect(haproxy.config).toContain('bind 0.0.0.0:8180')
    expect(haproxy.config).toContain('server clerk-b 127.0.0.1:8082 check cookie clerk-b')
    const nginx = frontPlan('nginx', { frontPort: 8180, host: '0.0.0.0', clerks, dir: '/tmp/f', binary: 'nginx' })
    expect(nginx.spec).toMatchObject({ port: 8181, command: ['nginx', '-c', '/tmp/f/nginx.conf', '-p', '/tmp/f', '-e', 'stderr', '-g', 'daemon off; master_process off;'] })
    expect(nginx.config).toContain('listen 0.0.0.0:8181;')
  })

  it('finds a binary on PATH or in the system directories, and names a missing one in one sentence', () => {
    expect(findBinary('node', process.env.PATH)).toMatch(/node$/)
    expect(findBinary('haproxy-not-installed', '/nonexistent', ['/nonexistent-too'])).toBeUndefined()
    expect(missingFrontMessage('nginx')).toBe(
      'FRONT=nginx needs the nginx binary, which is not on PATH nor in /usr/sbin, /usr/local/sbin, /sbin: install it (apt-get install nginx-light) or leave nginx out of FRONT',
    )
  })
})
