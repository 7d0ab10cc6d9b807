/**
 * Bytes on the wire, as the TCP socket counts them: everything a customer writes (request line,
 * headers, cookies, body, the stateless token in it) and everything it reads back (status line,
 * headers, set-cookie, body). The one place that counts them: the load test's customers
 * (dialogue-requests.ts, on autocannon's sockets), bench:clerk (the same customers) and
 * lesson:carried-state (lessons/wire-customer.ts, on undici's) all watch their sockets here.
 *
 * A meter watches every socket one customer opens (a new one per request with keep-alive off)
 * and hands out what was put on the wire since it was last asked, so each answer's bytes can be
 * given to the dialogue it belongs to.
 *
 * @example
 *   const meter = new WireMeter()
 *   meter.watch(net.connect(port, '127.0.0.1'))
 *   … one request, one answer …
 *   meter.take()   // { sent: 161, received: 240 }: that exchange
 *   meter.total()  // every byte since the first socket
 */
import type { Socket } from 'node:net'

export interface WireBytes {
  sent: number
  received: number
}

/** what a socket has written and read so far (still readable once it is closed) */
export function socketBytes(socket: Socket): WireBytes {
  // bytesWritten counts what the socket accepted, including what still waits in its buffer
  return { sent: socket.bytesWritten ?? 0, received: socket.bytesRead }
}

export function addBytes(into: WireBytes, more: WireBytes): WireBytes {
  into.sent += more.sent
  into.received += more.received
  return into
}

export class WireMeter {
  private readonly open = new Set<Socket>()
  /** bytes of sockets closed and no longer watched */
  private readonly settled: WireBytes = { sent: 0, received: 0 }
  private readonly taken: WireBytes = { sent: 0, received: 0 }

  watch(socket: Socket): void {
    this.open.add(socket)
  }

  /** every byte of every socket watched so far */
  total(): WireBytes {
    for (const socket of [...this.open]) {
      // a closed socket's counts no longer change: fold them in, so a customer who opens a
      // socket per request (keep-alive off) does not keep every one of them
      if (socket.destroyed) {
        addBytes(this.settled, socketBytes(socket))
        this.open.delete(socket)
      }
    }
    const sum = { ...this.settled }
    for (const socket of this.open) addBytes(sum, socketBytes(socket))
    return sum
  }

  /** the bytes since the last take (or since the first socket) */
  take(): WireBytes {
    const now = this.total()
    const since = { sent: now.sent - this.taken.sent, received: now.received - this.taken.received }
    this.taken.sent = now.sent
    this.taken.received = now.received
    return since
  }
}
