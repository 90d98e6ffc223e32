// `ss -tin` as an oracle for tcpInfo and diagnose.
import { spawnSync } from 'node:child_process';

/** ss -tin's fields for the connection localPort → peerPort, by name ("rtt" → "1.178/2.189"). */
export function ssInfo(localPort: number, peerPort: number): Record<string, string> {
  const res = spawnSync('ss', ['-tinH', `( sport = :${localPort} and dport = :${peerPort} )`], { encoding: 'utf8' });
  const text = res.stdout.trim();
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([a-z_]+):(\S+)/g)) out[m[1]] = m[2];
  // "pacing_rate 94295491896bps", "delivery_rate 61558632bps": space-separated.
  for (const m of text.matchAll(/(pacing_rate|delivery_rate|send) (\d+)bps/g)) out[m[1]] = m[2];
  return out;
}

/** "12ms" or "12ms(3.5%)" → 12; absent → 0 (ss leaves out zero chronographs). */
export const ssMs = (v: string | undefined): number => (v === undefined ? 0 : Number(/^(\d+)ms/.exec(v)?.[1]));
