import { describe, expect, it } from 'vitest'
import { countBySide, countTimeWait, parseProcNetTcp } from '../../../../loadtest/analyze/tcp-states.js'
import { busyCores, cpuShare, parseProcStat, parseStatParent, parseStatTicks, readCpuSeconds, readTreeCpuSeconds } from '../../../../loadtest/analyze/proc-cpu.js'

const procNetTcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1065 1 0 100 0 0 10 0
   1: 0100007F:1F90 0100007F:D431 06 00000000:00000000 03:00000F2A 00000000     0        0 0 3 0
   2: 0100007F:D432 0100007F:1F90 06 00000000:00000000 03:00000F2A 00000000     0        0 0 3 0
   3: 0100007F:D433 0100007F:0BB9 06 00000000:00000000 03:00000F2A 00000000     0        0 0 3 0
   4: 0100007F:D434 0100007F:1F90 01 00000000:00000007 00:00000000 00000000     0        0 2 1 0
`

describe('sockets in TIME_WAIT from /proc/net/tcp', () => {
  it('reads ports, states, inodes and receive queues', () => {
    expect(parseProcNetTcp(procNetTcp)[1]).toEqual({ localPort: 8080, remotePort: 54321, state: '06', inode: '0', receiveQueue: 0 })
    // 7 bytes the process has not read (rx_queue, hex)
    expect(parseProcNetTcp(procNetTcp)[4]?.receiveQueue).toBe(7)
    // a listener's inode: what a process's /proc/<pid>/fd links name as socket:[1065]
    expect(parseProcNetTcp(procNetTcp)[0]?.inode).toBe('1065')
  })

  it('counts TIME_WAIT on the machine and on one port (8080 = 0x1F90)', () => {
    // line 1: the proxy's end (it closed first); line 2: a customer's end (the customer closed first)
    expect(countTimeWait(parseProcNetTcp(procNetTcp), 8080)).toEqual({ all: 3, port: 2, customer: 1, server: 1 })
    expect(countTimeWait(parseProcNetTcp(''), 8080)).toEqual({ all: 0, port: 0, customer: 0, server: 0 })
  })

  it('tells the sides apart by port and names the states (proxy 8080, a clerk on 3001 = 0x0BB9)', () => {
    const bySide = countBySide(parseProcNetTcp(procNetTcp), { proxy: 8080, clerks: [3001] })
    expect(bySide).toEqual({
      customer: { TIME_WAIT: 1, ESTABLISHED: 1 },
      'proxy front': { LISTEN: 1, TIME_WAIT: 1 },
      'proxy to clerks': { TIME_WAIT: 1 },
      clerks: {},
    })
  })

  it('reads IPv6 lines, whose addresses hold no colon before the port', () => {
    const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:D431 08 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 20 4 30 10 -1
`
    expect(parseProcNetTcp(tcp6)).toEqual([{ localPort: 8080, remotePort: 54321, state: '08', inode: '1', receiveQueue: 0 }])
  })
})

describe('CPU time from /proc/<pid>/stat', () => {
  it('adds utime and stime, even when the command name has spaces and parentheses', () => {
    const stat = '4242 (node (worker) 1) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 11 0 1000 0 0'
    expect(parseStatTicks(stat)).toBe(325)
    expect(parseStatParent(stat)).toBe(1)
  })

  it('counts a process tree at least as much as its root, and a gone process as nothing', () => {
    const own = readCpuSeconds({ me: process.pid }).me
    if (own === undefined) return // not Linux: no /proc to read
    expect(readTreeCpuSeconds(process.pid)).toBeGreaterThanOrEqual(own)
    expect(readTreeCpuSeconds(2 ** 22 + 1)).toBe(0) // above Linux's pid_max
  })

  it('turns two readings into a share of one core', () => {
    expect(cpuShare({ proxy: 10, 'clerk-a': 5 }, { proxy: 15, 'clerk-a': 5.5, redis: 1 }, 5)).toEqual({ proxy: 1, 'clerk-a': 0.1 })
  })
})

describe('machine-wide CPU from /proc/stat', () => {
  it('counts everything but idle and iowait as busy', () => {
    expect(parseProcStat('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n')).toEqual({ busy: 150, total: 1000 })
  })

  it('turns two readings into busy cores', () => {
    expect(busyCores({ busy: 150, total: 1000 }, { busy: 1050, total: 2000 }, 2)).toBe(1.8)
    expect(busyCores(undefined, { busy: 1, total: 2 }, 2)).toBeUndefined()
  })
})
