import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { localClusterToken } from '../../../services/cluster/cluster-target.js'
import { stateFilePath, writeStateFile } from '../../../services/cluster/state-file.js'

// `npm run loadtest -- --target http://localhost:8080` finds the token npm start wrote, as
// `npm run chaos` does; a URL of another machine, or a port with no note, finds none.
describe('the admin token of a cluster on this machine', () => {
  const dirs: string[] = []
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))

  function noteFor(port: number, proxyUrl = `http://127.0.0.1:${port}`): string {
    const dir = mkdtempSync(join(tmpdir(), 'token-note-'))
    dirs.push(dir)
    writeStateFile(stateFilePath(port, dir), { adminToken: 'the-written-token', launcherUrl: 'http://127.0.0.1:1', proxyUrl, pids: {} })
    return dir
  }

  it('is read from the note npm start wrote for that port, whichever loopback name the URL uses', () => {
    const dir = noteFor(18123)
    for (const url of ['http://127.0.0.1:18123', 'http://localhost:18123/', 'http://[::1]:18123']) expect(localClusterToken(url, dir)).toBe('the-written-token')
  })

  it('is not guessed for another host, another port, a note about another proxy, or a URL that is not one', () => {
    const dir = noteFor(18123)
    expect(localClusterToken('http://10.0.0.5:18123', dir)).toBeUndefined()
    expect(localClusterToken('http://127.0.0.1:18124', dir)).toBeUndefined()
    expect(localClusterToken('not a url', dir)).toBeUndefined()
    const elsewhere = noteFor(18125, 'http://127.0.0.1:9999')
    expect(localClusterToken('http://127.0.0.1:18125', elsewhere)).toBeUndefined()
  })
})
