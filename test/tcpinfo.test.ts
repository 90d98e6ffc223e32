// tcpInfo against two oracles reading the same connection: `ss -tin` and
// Python unpacking TCP_INFO from the same descriptor (a child inheriting it).
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import { constants, getsockopt, setRecvBufferSize, tcpInfo } from '../lib';
import { decodeTcpInfo, decodeTcpInfoByField, type TcpInfo } from '../lib/tcpinfo';
import { boundUdp, closeAll, codeOf, ensureDist, listeningServer, portOf, python, tcpPair, track } from './helpers';
import { ssInfo, ssMs } from './ss';

afterEach(closeAll);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Python's view of the same struct tcp_info (Linux UAPI layout), every field
// up to tcpi_snd_wnd, with the length the kernel answered for 512 bytes.
const PYTHON_TCP_INFO = `
raw = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 512)
names = ['state','ca_state','retransmits','probes','backoff','options','wscale','applimited',
 'rto','ato','snd_mss','rcv_mss','unacked','sacked','lost','retrans','fackets',
 'last_data_sent','last_ack_sent','last_data_recv','last_ack_recv','pmtu','rcv_ssthresh','rtt','rttvar',
 'snd_ssthresh','snd_cwnd','advmss','reordering','rcv_rtt','rcv_space','total_retrans',
 'pacing_rate','max_pacing_rate','bytes_acked','bytes_received','segs_out','segs_in','notsent_bytes','min_rtt',
 'data_segs_in','data_segs_out','delivery_rate','busy_time','rwnd_limited','sndbuf_limited','delivered','delivered_ce',
 'bytes_sent','bytes_retrans','dsack_dups','reord_seen','rcv_ooopack','snd_wnd']
fmt = '=8B24I4Q6I4Q2I2Q4I'
vals = struct.unpack(fmt, raw[:struct.calcsize(fmt)])
d = dict(zip(names, vals))
d['length'] = len(raw)
d['max_pacing_rate'] = str(d['max_pacing_rate'])
out(d)
`;
interface PyInfo {
  [k: string]: number;
}

function fdOf(s: net.Socket): number {
  return (s as unknown as { _handle: { fd: number } })._handle.fd;
}

/** Fills `client` → `accepted` with `bytes` and waits until every byte is acknowledged and the pair is idle. */
async function quietTransfer(client: net.Socket, accepted: net.Socket, bytes: number): Promise<void> {
  accepted.resume();
  let got = 0;
  accepted.on('data', (d: Buffer) => (got += d.length));
  client.write(Buffer.alloc(bytes, 7));
  for (let i = 0; i < 500 && (got < bytes || tcpInfo(client).unacked !== 0); i++) await sleep(10);
  await sleep(30);
}

test('an idle connection after a transfer: tcpInfo equals ss -tin and Python reading the same fd', async () => {
  const { client, accepted } = await tcpPair();
  await quietTransfer(client, accepted, 20_000_000);
  let info: TcpInfo | undefined;
  let ss: Record<string, string> = {};
  let py: PyInfo = {};
  // Read the three views back to back; a late ACK or keepalive between
  // them would make them differ, so retry until two tcpInfo reads around
  // the others agree.
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = tcpInfo(client);
    ss = ssInfo(client.localPort as number, client.remotePort as number);
    py = python<PyInfo>(fdOf(client), PYTHON_TCP_INFO);
    const after = tcpInfo(client);
    if (before.bytesAcked === after.bytesAcked && before.segsIn === after.segsIn && before.rtt === after.rtt) {
      info = after;
      break;
    }
    await sleep(50);
  }
  expect(info).toBeDefined();
  const t = info!;
  expect(t.state).toBe('established');
  // Against ss (which prints ms with three decimals, rates in bits/s).
  expect(t.rtt).toBe(Math.round(Number(ss.rtt.split('/')[0]) * 1000));
  expect(t.rttVar).toBe(Math.round(Number(ss.rtt.split('/')[1]) * 1000));
  expect(t.sndCwnd).toBe(Number(ss.cwnd));
  expect(t.sndMss).toBe(Number(ss.mss));
  expect(t.rcvMss).toBe(Number(ss.rcvmss));
  expect(t.advMss).toBe(Number(ss.advmss));
  expect(t.pmtu).toBe(Number(ss.pmtu));
  expect(t.bytesSent).toBe(Number(ss.bytes_sent));
  // bytes_sent counts retransmissions; bytes_acked counts the SYN too.
  expect(t.bytesSent! - t.bytesRetrans!).toBe(20_000_000);
  expect(t.bytesAcked).toBe(20_000_001);
  expect(t.bytesAcked).toBe(Number(ss.bytes_acked));
  expect(t.segsOut).toBe(Number(ss.segs_out));
  expect(t.segsIn).toBe(Number(ss.segs_in));
  expect(t.dataSegsOut).toBe(Number(ss.data_segs_out));
  expect(t.rcvSpace).toBe(Number(ss.rcv_space));
  expect(t.sndWnd).toBe(Number(ss.snd_wnd));
  expect(t.minRtt).toBe(Math.round(Number(ss.minrtt) * 1000));
  expect(`${t.sndWscale},${t.rcvWscale}`).toBe(ss.wscale);
  // (Busy time is counted in jiffies: a fast transfer may show 0 ms; the
  // stalled-sender test below checks non-zero chronographs.)
  expect(Math.floor(t.busyTime! / 1000)).toBe(ssMs(ss.busy));
  expect(Math.floor(t.rwndLimited! / 1000)).toBe(ssMs(ss.rwnd_limited));
  expect(Math.floor(t.sndbufLimited! / 1000)).toBe(ssMs(ss.sndbuf_limited));
  expect(t.deliveryRate! * 8).toBe(Number(ss.delivery_rate));
  // Against Python: every field, by its C name.
  const same: [keyof TcpInfo, string][] = [
    ['caState', 'ca_state'],
    ['rto', 'rto'],
    ['ato', 'ato'],
    ['sndMss', 'snd_mss'],
    ['rcvMss', 'rcv_mss'],
    ['unacked', 'unacked'],
    ['lost', 'lost'],
    ['retrans', 'retrans'],
    ['pmtu', 'pmtu'],
    ['rcvSsthresh', 'rcv_ssthresh'],
    ['rtt', 'rtt'],
    ['rttVar', 'rttvar'],
    ['sndCwnd', 'snd_cwnd'],
    ['advMss', 'advmss'],
    ['reordering', 'reordering'],
    ['rcvSpace', 'rcv_space'],
    ['totalRetrans', 'total_retrans'],
    ['pacingRate', 'pacing_rate'],
    ['bytesAcked', 'bytes_acked'],
    ['bytesReceived', 'bytes_received'],
    ['segsOut', 'segs_out'],
    ['segsIn', 'segs_in'],
    ['notsentBytes', 'notsent_bytes'],
    ['minRtt', 'min_rtt'],
    ['dataSegsOut', 'data_segs_out'],
    ['deliveryRate', 'delivery_rate'],
    ['busyTime', 'busy_time'],
    ['rwndLimited', 'rwnd_limited'],
    ['sndbufLimited', 'sndbuf_limited'],
    ['delivered', 'delivered'],
    ['bytesSent', 'bytes_sent'],
    ['bytesRetrans', 'bytes_retrans'],
    ['sndWnd', 'snd_wnd'],
  ];
  for (const [key, name] of same) expect([key, t[key]]).toEqual([key, py[name]]);
  expect(t.state).toBe(py.state === 1 ? 'established' : `state ${py.state}`);
  expect(t.sndWscale).toBe(py.wscale & 15);
  expect(t.rcvWscale).toBe(py.wscale >> 4);
  expect(t.deliveryRateAppLimited).toBe((py.applimited & 1) === 1);
  expect(t.options).toBe(py.options);
  // An unset SO_MAX_PACING_RATE is all ones: Infinity, not a rounded 1.8e19.
  expect(String(py.max_pacing_rate)).toBe('18446744073709551615');
  expect(t.maxPacingRate).toBe(Infinity);
  // The receiving side counts the same bytes.
  expect(tcpInfo(accepted).bytesReceived).toBe(20_000_000);
  expect(python<PyInfo>(fdOf(accepted), PYTHON_TCP_INFO).bytes_received).toBe(20_000_000);
});

test('a sender stalled by a receiver that does not read: the growing chronographs bracket ss and Python', async () => {
  const server = await listeningServer(undefined, { pauseOnConnect: true });
  setRecvBufferSize(server, 16384);
  const acceptedP = once(server, 'connection') as Promise<[net.Socket]>;
  const client = track(net.connect(portOf(server), '127.0.0.1'));
  await once(client, 'connect');
  track((await acceptedP)[0]);
  client.write(Buffer.alloc(4 << 20, 1));
  // Wait until the window is closed and the sender has been limited by it for a while.
  for (let i = 0; i < 300 && (tcpInfo(client).rwndLimited ?? 0) < 50_000; i++) await sleep(10);
  const before = tcpInfo(client);
  const ss = ssInfo(client.localPort as number, client.remotePort as number);
  const py = python<PyInfo>(fdOf(client), PYTHON_TCP_INFO);
  const after = tcpInfo(client);
  expect(before.rwndLimited).toBeGreaterThanOrEqual(50_000);
  // The running chronograph grows between reads: each oracle lies between the two reads.
  for (const [key, ssKey, pyKey] of [
    ['busyTime', 'busy', 'busy_time'],
    ['rwndLimited', 'rwnd_limited', 'rwnd_limited'],
  ] as const) {
    expect(ssMs(ss[ssKey])).toBeGreaterThanOrEqual(Math.floor(before[key]! / 1000));
    expect(ssMs(ss[ssKey])).toBeLessThanOrEqual(Math.floor(after[key]! / 1000));
    expect(py[pyKey]).toBeGreaterThanOrEqual(before[key]!);
    expect(py[pyKey]).toBeLessThanOrEqual(after[key]!);
  }
  expect(after.sndbufLimited).toBe(py.sndbuf_limited);
  expect(after.notsentBytes).toBeGreaterThan(0);
  expect(after.bytesSent).toBe(Number(ss.bytes_sent));
  expect(after.bytesSent).toBe(py.bytes_sent);
});

test('fields past the length the kernel answered are absent, not 0', async () => {
  const { client } = await tcpPair();
  const full = tcpInfo(client);
  const pyLength = python<PyInfo>(fdOf(client), PYTHON_TCP_INFO).length;
  // The layout comes from this build's header; a kernel answers with its own length.
  expect(pyLength).toBeGreaterThanOrEqual(104);
  expect(full.sndWnd === undefined).toBe(pyLength < 232);
  // An older kernel answers with fewer bytes: ask this one for only 104
  // (up to tcpi_total_retrans, as Linux 3.x filled it) and decode that.
  const short = getsockopt(client, constants.IPPROTO_TCP, constants.TCP_INFO!, 104);
  expect(short.length).toBe(104);
  const old = decodeTcpInfo(short, short.length);
  expect(old.state).toBe('established');
  expect(old.sndMss).toBe(full.sndMss);
  expect(old.totalRetrans).toBe(full.totalRetrans);
  for (const key of ['pacingRate', 'bytesAcked', 'busyTime', 'rwndLimited', 'sndbufLimited', 'bytesSent', 'sndWnd']) {
    expect([key, key in old]).toEqual([key, false]);
  }
  // A field cut in half is absent too.
  const cut = decodeTcpInfo(short, 106);
  expect('pacingRate' in cut).toBe(false);
});

test('a full-length answer decodes through the compiled literal exactly as field by field: same keys, order and values', async () => {
  const { client } = await tcpPair();
  client.write('x'.repeat(10000));
  await sleep(20);
  const size = getsockopt(client, constants.IPPROTO_TCP, constants.TCP_INFO!, 4096).length;
  const live = getsockopt(client, constants.IPPROTO_TCP, constants.TCP_INFO!, size);
  // All ones (the unlimited and infinite markers), all zeros, and random
  // bytes with the state byte kept to a real state, at an odd offset (a
  // Buffer from the pool), and as a plain Uint8Array.
  const ones = Buffer.alloc(size, 0xff);
  ones[0] = 1;
  const zeros = Buffer.alloc(size);
  zeros[0] = 1;
  const cases: Uint8Array[] = [live, ones, zeros];
  for (let i = 0; i < 20; i++) {
    const r = Buffer.alloc(size + 1);
    for (let j = 0; j < r.length; j++) r[j] = Math.floor(Math.random() * 256);
    r[1] = 1 + (i % 11);
    cases.push(r.subarray(1));
  }
  cases.push(new Uint8Array(live));
  for (const b of cases) {
    const fast = decodeTcpInfo(b, b.length);
    const slow = decodeTcpInfoByField(b, b.length);
    expect(Object.entries(fast)).toEqual(Object.entries(slow));
  }
  // A length past the bytes given decodes only those bytes: nothing of an
  // earlier answer is read (the full-length path keeps a scratch copy).
  decodeTcpInfo(ones, ones.length);
  const shortBytes = Buffer.alloc(100);
  shortBytes[0] = 1;
  expect(Object.entries(decodeTcpInfo(shortBytes, size))).toEqual(Object.entries(decodeTcpInfo(shortBytes, 100)));
  expect(decodeTcpInfo(shortBytes, size).bytesAcked).toBeUndefined();
  // The live answer is the connection's, as tcpInfo() reads it in place.
  const info = tcpInfo(client);
  expect(info.state).toBe('established');
  expect(info.sndMss).toBe(decodeTcpInfo(live, live.length).sndMss);
  expect(Object.keys(info)).toEqual(Object.keys(decodeTcpInfoByField(live, live.length)));
});

test('where code generation is disallowed, tcpInfo decodes field by field and gives the same object', () => {
  ensureDist();
  const dist = require('node:path').join(__dirname, '..', 'dist') as string;
  const script = `const net = require('node:net');
    const s = require(${JSON.stringify(dist)});
    const { decodeTcpInfoByField } = require(${JSON.stringify(dist)} + '/tcpinfo.js');
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const c = net.connect(server.address().port, '127.0.0.1', () => {
        const info = s.tcpInfo(c);
        const raw = s.getsockopt(c, s.constants.IPPROTO_TCP, s.constants.TCP_INFO, 4096);
        let evalBlocked = false;
        try { new Function('return 1'); } catch { evalBlocked = true; }
        console.log(JSON.stringify({ evalBlocked, state: info.state, keys: Object.keys(info), byField: Object.keys(decodeTcpInfoByField(raw, raw.length)) }));
        c.destroy(); server.close();
      });
    });`;
  const res = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '-e', script], {
    encoding: 'utf8',
  });
  expect(res.stderr).toBe('');
  const out = JSON.parse(res.stdout) as { evalBlocked: boolean; state: string; keys: string[]; byField: string[] };
  expect(out.evalBlocked).toBe(true);
  expect(out.state).toBe('established');
  expect(out.keys).toEqual(out.byField);
  expect(out.keys.length).toBeGreaterThan(20);
});

test('a listening socket: its accept queue and backlog, as ss prints them', async () => {
  const server = track(net.createServer({ pauseOnConnect: true }));
  server.listen({ port: 0, host: '127.0.0.1', backlog: 7 });
  await once(server, 'listening');
  const info = tcpInfo(server);
  expect(info.state).toBe('listen');
  const res = spawnSync('ss', ['-tlnH', `( sport = :${portOf(server)} )`], { encoding: 'utf8' });
  const cols = res.stdout.trim().split(/\s+/);
  expect(info.acceptQueue).toBe(Number(cols[1]));
  expect(info.acceptQueueMax).toBe(Number(cols[2]));
  expect(info.acceptQueueMax).toBe(7);
  expect(Object.keys(info).sort()).toEqual(['acceptQueue', 'acceptQueueMax', 'state']);
});

test('errors: a UDP socket is a system error with a code; wrong arguments are coded', async () => {
  const udp = await boundUdp();
  let err: { code?: string; syscall?: string; errno?: number } = {};
  try {
    tcpInfo(udp);
  } catch (e) {
    err = e as typeof err;
  }
  expect(err.code).toBe('ENOTSUP');
  expect(err.syscall).toBe('getsockopt');
  expect(err.errno).toBeLessThan(0);
  expect(codeOf(() => tcpInfo('x' as never))).toBe('ERR_INVALID_ARG_TYPE');
  expect(codeOf(() => tcpInfo(-1))).toBe('ERR_OUT_OF_RANGE');
  const { client } = await tcpPair();
  client.destroy();
  expect(codeOf(() => tcpInfo(client))).toBe('ERR_SOCKBUF_CLOSED');
});
