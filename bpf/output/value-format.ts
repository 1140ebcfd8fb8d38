// Values the kernel records raw and user space formats, as bpftrace prints them:
// ntop() addresses (inet_ntop(3)) and macaddr() (upper-case hex, colon separated).
import { AF_INET, AF_INET6 } from "../types/abi.ts";

/** inet_ntop(AF_INET, ...): four bytes in network order. */
export function ipv4Text(b: Uint8Array): string {
  return `${b[0] ?? 0}.${b[1] ?? 0}.${b[2] ?? 0}.${b[3] ?? 0}`;
}

/**
 * inet_ntop(AF_INET6, ...) as glibc writes it: the longest run (≥ 2) of zero words becomes
 * "::" (the first of equal runs), hex without leading zeros, and IPv4-compatible or
 * IPv4-mapped addresses end in dotted quad.
 */
export function ipv6Text(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((b[2 * i] ?? 0) << 8) | (b[2 * i + 1] ?? 0));
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      cur = cur.base === -1 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
      if (cur.len > best.len) best = cur;
    } else cur = { base: -1, len: 0 };
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 7 && words[7] !== 1) || (best.len === 5 && words[5] === 0xffff))) {
      out += ipv4Text(b.subarray(12, 16));
      break;
    }
    out += words[i]!.toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ":";
  return out;
}

/** bpftrace's inet value: af, then the address bytes (4 used for AF_INET). */
export function inetText(af: number, addr: Uint8Array): string {
  if (af === AF_INET) return ipv4Text(addr);
  if (af === AF_INET6) return ipv6Text(addr);
  return "";
}

/** "AA:BB:CC:DD:EE:FF". */
export function macText(b: Uint8Array): string {
  return [...b.subarray(0, 6)].map((x) => x.toString(16).toUpperCase().padStart(2, "0")).join(":");
}
