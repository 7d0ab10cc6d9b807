import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { LEDGER_SAFE_MEMORY_POLICY } from '../../../services/common/redis-server.js'

// The compose file and the Dockerfile, checked without an engine: `docker-compose config` (v1,
// Debian's package) validates the file when it is installed; a few text checks keep the promises
// the README makes (healthchecks, service_healthy, restart policy, appendonly, one image) either way.
// The compose test (npm run test:compose) runs the stack for real.
const root = fileURLToPath(new URL('../../../', import.meta.url))
const compose = readFileSync(`${root}docker-compose.yml`, 'utf8')
const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8')
const runtimeMajor = readFileSync(`${root}.nvmrc`, 'utf8').trim() // the Node that npm start runs, too
const hasDockerCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0

/** the lines of one top-level service block (until the next two-space key) */
function serviceBlock(name: string): string {
  const start = compose.indexOf(`\n  ${name}:\n`)
  expect(start, `service ${name} in docker-compose.yml`).toBeGreaterThan(-1)
  const rest = compose.slice(start + name.length + 5)
  const end = rest.search(/\n {2}[a-z][\w-]*:\n|\n[a-z]/)
  return end === -1 ? rest : rest.slice(0, end)
}

describe('docker-compose.yml', () => {
  it.skipIf(!hasDockerCompose)('is valid for docker-compose (v1)', () => {
    const result = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: process.env.DOCKER_HOST ?? 'unix:///nonexistent.sock' },
    })
    // stderr may carry Python deprecation warnings on some systems; the exit status is the verdict
    expect(result.status, result.stderr).toBe(0)
    expect(result.stderr).not.toMatch(/ERROR|Invalid|Unsupported/i)
  })

  it.skipIf(!hasDockerCompose)('resolves the clerks, healthchecks and the published port as intended', () => {
    const result = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PROXY_PUBLISH_PORT: '18080', ADMIN_TOKEN: 'from-env' },
    })
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/published: 18080|18080:8080/)
    expect(result.stdout.match(/CLERK_ID: clerk-[abc]/g)).toHaveLength(3)
    // the proxy, the three named clerks and the scalable `clerk` (profile scale: docs/scaling.md)
    expect(result.stdout.match(/ADMIN_TOKEN: from-env/g)).toHaveLength(5)
    expect(result.stdout.match(/CLERK_TRUST_PROXY: uniquelocal/g)).toHaveLength(4)
    expect(result.stdout.match(/condition: service_healthy/g)).toHaveLength(7)
  })

  it('uses a format both docker compose (v2) and docker-compose (v1) accept', () => {
    expect(compose).toMatch(/^version: "2\.4"$/m)
  })

  it('runs redis:7-bookworm with appendonly, a volume and a ping healthcheck', () => {
    const redis = serviceBlock('redis')
    expect(redis).toContain('image: redis:7-bookworm')
    expect(redis).toContain('"--appendonly", "yes"')
    // the same memory policy as npm start's Redis: one that never evicts the ledger
    expect(redis).toContain(`"--maxmemory-policy", "${LEDGER_SAFE_MEMORY_POLICY}"`)
    expect(redis).toMatch(/"--maxmemory", "\$\{REDIS_MAXMEMORY:-1gb\}"/)
    expect(redis).toContain('redis-data:/data')
    expect(redis).toContain('"redis-cli", "ping"')
  })

  it('runs clerk-a, clerk-b and clerk-c from the one image, healthy on /readyz, restarted unless stopped', () => {
    const template = compose.slice(compose.indexOf('x-clerk: &clerk'), compose.indexOf('x-clerk-env'))
    expect(template).toContain('image: clerk-cluster:latest')
    expect(template).toContain('restart: unless-stopped')
    expect(template).toContain('/readyz')
    expect(template).toMatch(/redis:\n\s+condition: service_healthy/)
    for (const id of ['clerk-a', 'clerk-b', 'clerk-c']) {
      const block = serviceBlock(id)
      expect(block).toContain('<<: *clerk')
      expect(block).toContain(`CLERK_ID: ${id}`)
    }
    expect(compose).toContain('REDIS_URL: redis://redis:6379')
    expect(compose).toMatch(/ADMIN_TOKEN: \$\{ADMIN_TOKEN:-[^}]+\}/)
  })

  it('publishes the proxy on 8080 (PROXY_PUBLISH_PORT overrides) once every clerk is healthy', () => {
    const proxy = serviceBlock('proxy')
    expect(proxy).toContain('image: clerk-cluster:latest')
    expect(proxy).toContain('"${PROXY_PUBLISH_PORT:-8080}:8080"')
    expect(proxy).toContain('PROXY_CLERKS: clerk-a=http://clerk-a:3000,clerk-b=http://clerk-b:3000,clerk-c=http://clerk-c:3000')
    expect(proxy.match(/condition: service_healthy/g)).toHaveLength(3)
  })
})

describe('Dockerfile', () => {
  it(`builds in one stage and runs only production dependencies as the node user in another, on Node ${runtimeMajor}`, () => {
    expect(dockerfile.match(new RegExp(`^FROM node:${runtimeMajor}-bookworm-slim( AS build)?$`, 'gm'))).toHaveLength(2)
    expect(dockerfile).toContain('RUN npm run build')
    expect(dockerfile).toContain('npm ci --omit=dev --omit=optional')
    expect(dockerfile).toContain('COPY --from=build /app/dist ./dist')
    expect(dockerfile).toContain('proxy/dashboard/static')
    expect(dockerfile).toMatch(/^USER node$/m)
  })
})
