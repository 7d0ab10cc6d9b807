import { once } from 'node:events'
import { connect, createServer, Socket, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { readShared, SHARED_READS } from '../../../proxy/fast/shared-reads.js'
import { readProcNetTcp } from '../../../loadtest/analyze/tcp-states.js'
import { waitFor } from '../../../services/common/wait-for.js'

// The fast path's customers read into one shared buffer through node's internal `onread` fields
// (proxy/fast/shared-reads.ts). Without them it falls back to 'data' and works, only slower: this
// file is what notices a Node that stops giving them, and checks that an accepted socket reading
// that way still pauses, resumes and ends as a socket does.

const opened: (Server | Socket)[] = []
afterEach(async () => {
  for (const o of opened.splice(0)) {
    if (o instanceof Socket) o.destroy()
    else await new Promise((resolve) => o.close(resolve))
  }
})

/** a server whose first accepted socket reads shared; what it read, and whether 'data' ever fired */
async function sharedServer() {
  const seen = { text: '', installed: false, dataEvents: 0, ended: false, closed: false, socket: undefined as Socket | undefined }
  const server = createServer((socket) => {
    seen.socket = socket
    opened.push(socket)
    seen.installed = readShared(socket, (bytes) => {
      seen.text += bytes.toString('latin1')
    })
    socket.on('data', () => seen.dataEvents++)
    socket.on('end', () => (seen.ended = true))
    socket.on('close', () => (seen.closed = true))
  })
  opened.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const client = connect({ port: (server.address() as { port: number }).port, host: '127.0.0.1' })
  opened.push(client)
  await once(client, 'connect')
  await waitFor(() => seen.socket !== undefined, { what: 'the connection accepted' })
  return { seen, client }
}

/** bytes the kernel holds for `socket`, not yet read */
function receiveQueue(socket: Socket): number | undefined {
  return readProcNetTcp()?.find((e) => e.localPort === socket.localPort && e.remotePort === socket.remotePort)?.receiveQueue
}

describe.skipIf(readProcNetTcp() === undefined)('customers reading into a shared buffer', () => {
  it('is what this Node gives (every supported Node does: a new one that does not should be looked at)', () => {
    expect(SHARED_READS).toBe(true)
  })

  it('hands every read to the callback, none to data events, and pauses, resumes and ends as a socket', async () => {
    const { seen, client } = await sharedServer()
    expect(seen.installed).toBe(true)
    client.write('first ')
    await waitFor(() => seen.text === 'first ', { what: 'the first read' })

    seen.socket?.pause()
    client.write('second ')
    // a paused socket reads nothing: the bytes wait in the kernel's receive queue until resume
    await waitFor(() => receiveQueue(seen.socket as Socket) === 'second '.length, { what: 'the bytes to arrive in the kernel' })
    // an event loop turn: its poll phase would have read them had the socket not been paused
    await new Promise((resolve) => setImmediate(resolve))
    expect(receiveQueue(seen.socket as Socket)).toBe('second '.length)
    expect(seen.text).toBe('first ')
    seen.socket?.resume()
    await waitFor(() => seen.text === 'first second ', { what: 'the read after resume' })

    client.end('last')
    await waitFor(() => seen.closed, { what: "the server's socket to close after the customer's end" })
    expect(seen.text).toBe('first second last')
    expect(seen.ended).toBe(true)
    expect(seen.dataEvents).toBe(0)
  })

  it('leaves a socket without a handle as it was, to read through data events', () => {
    const socket = new Socket()
    opened.push(socket)
    expect(readShared(socket, () => {})).toBe(false)
  })
})
