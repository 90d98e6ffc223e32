// The platform's socket constants (from the system headers, via the addon)
// and the reverse lookup used to name a level/option pair in messages.
import { native } from './binding';

/**
 * Socket constants of this platform: SOL_*, SO_*, IPPROTO_*, TCP_*, UDP_*,
 * IP_*, IPV6_*, SK_MEMINFO_*, AF_*, SOCK_*. A constant the platform does not
 * define is absent (undefined), never a guessed number.
 */
export const constants: Readonly<Record<string, number>> = Object.freeze(native.constants);

const LEVELS: readonly [string, RegExp][] = [
  ['SOL_SOCKET', /^SO_/],
  ['IPPROTO_TCP', /^TCP_/],
  ['IPPROTO_UDP', /^UDP_/],
  ['IPPROTO_IP', /^IP_(?!PMTUDISC_)/],
  ['IPPROTO_IPV6', /^IPV6_(?!PMTUDISC_)/],
];

/** "SOL_SOCKET/SO_RCVBUF" for messages; numbers where no name is known. Only errors call it. */
export function describeOption(level: number, option: number): string {
  const entry = LEVELS.find(([name]) => constants[name] !== undefined && constants[name] === level);
  let optionName: string | undefined;
  if (entry !== undefined) {
    optionName = Object.keys(constants).find((k) => entry[1].test(k) && constants[k] === option);
  }
  return `${entry?.[0] ?? `level ${level}`}/${optionName ?? `option ${option}`}`;
}
