// The platform's socket constants (from the system headers, via the addon)
// and the reverse lookup used to name a level/option pair in messages.
import { native } from './binding';

/**
 * Socket constants of this platform: SOL_*, SO_*, IPPROTO_*, TCP_*, UDP_*,
 * IP_*, IPV6_*, SK_MEMINFO_*, AF_*, SOCK_*. A constant the platform does not
 * define is absent (undefined), never a guessed number.
 */
export const constants: Readonly<Record<string, number>> = Object.freeze({ ...native.constants });

const c = constants;
const prefixByLevel = new Map<number, RegExp>();
function addLevel(level: number | undefined, prefix: RegExp): void {
  if (level !== undefined) prefixByLevel.set(level, prefix);
}
addLevel(c.SOL_SOCKET, /^SO_/);
addLevel(c.IPPROTO_TCP, /^TCP_/);
addLevel(c.IPPROTO_UDP, /^UDP_/);
addLevel(c.IPPROTO_IP, /^IP_(?!PMTUDISC_)/);
addLevel(c.IPPROTO_IPV6, /^IPV6_(?!PMTUDISC_)/);

const levelNames = new Map<number, string>([
  ...(c.SOL_SOCKET !== undefined ? [[c.SOL_SOCKET, 'SOL_SOCKET'] as [number, string]] : []),
  ...(['IPPROTO_IP', 'IPPROTO_IPV6', 'IPPROTO_TCP', 'IPPROTO_UDP'] as const)
    .filter((n) => c[n] !== undefined)
    .map((n) => [c[n], n] as [number, string]),
]);

/** "SOL_SOCKET/SO_RCVBUF" for messages; numbers where no name is known. */
export function describeOption(level: number, option: number): string {
  const levelName = levelNames.get(level) ?? `level ${level}`;
  const prefix = prefixByLevel.get(level);
  let optionName: string | undefined;
  if (prefix) {
    optionName = Object.keys(c).find((k) => prefix.test(k) && c[k] === option);
  }
  return `${levelName}/${optionName ?? `option ${option}`}`;
}
