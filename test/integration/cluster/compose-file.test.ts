import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { LEDGER_SAFE_MEMORY_POLICY } from '../../../services/common/redis-server.js'

// The compose file and the Dockerfile, checked without an engine: `docker-compose config` (v1,
// Debian's package) validates the file when it is installed; a few text checks keep the promises
// the README makes (healthchecks, service_healthy, restart policy, appendonly, one image) either way,
// read from the parsed file so that a reformatting (quotes, anchors, order) changes nothing.
// The compose test (npm run test:compose) runs the stack for real.
const root = fileURLToPath(new URL('../../../', import.meta.url))
const compose = readFileSync(`${root}docker-compose.yml`, 'utf8')
const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8')
const runtimeMajor = readFileSync(`${root}.nvmrc`, 'utf8').trim() // the Node that npm start runs, too
const hasDockerCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0

interface Service {
  image?: string
  command?: string[]
  restart?: string
  volumes?: string[]
  ports?: string[]
  environment?: Record<string, string>
  depends_on?: Record<string, { condition?: string }>
  healthcheck?: { test?: string[] }
}

// the file as docker-compose reads it: YAML with merge keys (`<<: *clerk`), not its spelling
const parsed = parse(compose, { merge: true }) as { version?: string; services: Record<string, Service> }

function service(name: string): Service {
  const found = parsed.services[name]
  expect(found, `service ${name} in docker-compose.yml`).toBeDefined()
  return found as Service
}

/** the argument after `flag` in a command list (`['--appendonly', 'yes']` → 'yes') */
function argumentOf(command: string[] | undefined, flag: string): string | undefined {
  const at = (command ?? []).indexOf(flag)
  return at === -1 ? undefined : command?.[at + 1]
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
    expect(parsed.version).toBe('2.4')
  })

  it('runs redis:7-bookworm append-only, fsynced before every answer, with a volume and a ping healthcheck', () => {
    const redis = service('redis')
    expect(redis.image).toBe('redis:7-bookworm')
    expect(argumentOf(redis.command, '--appendonly')).toBe('yes')
    expect(argumentOf(redis.command, '--appendfsync')).toBe('always')
    // the same memory policy as npm start's Redis: one that never evicts the ledger
    expect(argumentOf(redis.command, '--maxmemory-policy')).toBe(LEDGER_SAFE_MEMORY_POLICY)
    expect(argumentOf(redis.command, '--maxmemory')).toBe('${REDIS_MAXMEMORY:-1gb}')
    expect(redis.volumes).toContain('redis-data:/data')
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping'])
  })

  it('runs clerk-a, clerk-b and clerk-c from the one image, healthy on /readyz, restarted unless stopped', () => {
    for (const id of ['clerk-a', 'clerk-b', 'clerk-c']) {
      const clerk = service(id)
      expect(clerk.image).toBe('clerk-cluster:latest')
      expect(clerk.restart).toBe('unless-stopped')
      expect(clerk.healthcheck?.test?.join(' ')).toContain('/readyz')
      expect(clerk.depends_on?.redis?.condition).toBe('service_healthy')
      expect(clerk.environment?.CLERK_ID).toBe(id)
      expect(clerk.environment?.REDIS_URL).toBe('redis://redis:6379')
      expect(clerk.environment?.ADMIN_TOKEN).toMatch(/^\$\{ADMIN_TOKEN:-[^}]+\}$/)
    }
  })

  it('publishes the proxy on 8080 (PROXY_PUBLISH_PORT overrides) once every clerk is healthy', () => {
    const proxy = service('proxy')
    expect(proxy.image).toBe('clerk-cluster:latest')
    expect(proxy.ports).toEqual(['${PROXY_PUBLISH_PORT:-8080}:8080'])
    expect(proxy.environment?.PROXY_CLERKS).toBe('clerk-a=http://clerk-a:3000,clerk-b=http://clerk-b:3000,clerk-c=http://clerk-c:3000')
    expect(Object.values(proxy.depends_on ?? {}).map((d) => d.condition)).toEqual(['service_healthy', 'service_healthy', 'service_healthy'])
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
