import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { FRONTS, frontArgs, frontConfig, type FrontName, type LbClerk } from '../common/lb-configs.js'
import type { ProcessSpec } from './plan.js'

/**
 * FRONT=haproxy,nginx for `npm start`: HAProxy and/or nginx beside our proxy, in front of the
 * same clerks, each on its own port (HAProxy on FRONT_PORT, nginx on FRONT_PORT+1), configured by
 * the one generator lb-compare and deploy/lb/ use (services/common/lb-configs.ts). Pure, except
 * for finding the binary; the launcher writes the configuration and supervises the process.
 * They know the clerks of the start: a clerk added at run time is behind our proxy only.
 *
 * @example
 *   frontPlan('haproxy', { frontPort: 8180, host: '127.0.0.1', clerks, dir: '/tmp/x', binary: '/usr/sbin/haproxy' })
 *   // → { spec: haproxy on 8180, running /usr/sbin/haproxy -db -f /tmp/x/haproxy.conf, file, config }
 */
export interface FrontPlanInput {
  /** HAProxy's port; nginx takes the next one */
  frontPort: number
  /** where it listens for customers (the proxy's PROXY_HOST) */
  host: string
  clerks: readonly LbClerk[]
  /** a directory of this run for the configuration (and nginx's pid and temp files) */
  dir: string
  binary: string
}

export function frontPort(name: FrontName, base: number): number {
  return base + FRONTS.indexOf(name)
}

export function frontPlan(name: FrontName, input: FrontPlanInput): { spec: ProcessSpec; file: string; config: string } {
  const port = frontPort(name, input.frontPort)
  const file = join(input.dir, `${name}.conf`)
  const config = frontConfig(name, { clerks: input.clerks, listen: { host: input.host, port } }, input.dir)
  const spec: ProcessSpec = Object.freeze({
    id: name,
    kind: 'front' as const,
    script: name,
    command: Object.freeze([input.binary, ...frontArgs(name, file, input.dir)]),
    port,
    // through it to a clerk: it answers once it listens and routes
    readyPath: '/readyz',
    env: Object.freeze({}),
  })
  return { spec, file, config }
}

// where Debian and others install them, often off a normal user's PATH
const SYSTEM_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin']

/** the executable `name` on PATH or in the system directories, or undefined */
export function findBinary(name: string, path: string | undefined = process.env.PATH, systemDirs: readonly string[] = SYSTEM_DIRS): string | undefined {
  const dirs = [...(path ?? '').split(delimiter).filter(Boolean), ...systemDirs]
  for (const dir of dirs) {
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/** the one sentence `npm start` stops with when FRONT names a balancer that is not installed */
export function missingFrontMessage(name: FrontName): string {
  return `FRONT=${name} needs the ${name} binary, which is not on PATH nor in ${SYSTEM_DIRS.join(', ')}: install it (apt-get install ${name === 'nginx' ? 'nginx-light' : name}) or leave ${name} out of FRONT`
}
