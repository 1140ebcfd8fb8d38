// One snapshot per map kind and printing quirk; output-text and output-json pin each as a
// golden file (name.txt, name.ndjson.txt) and the display tests build bundles from them.

import type { MapSnapshot } from "../../../../bpf/types/snapshot.ts";
import type { PrintOptions } from "../../../../bpf/output/index.ts";
import { count, hist, int, lhist, scalar, snap, stack, stats, str, tuple } from "./fixtures.ts";

/** Every map kind, one golden file each (name.txt). */
export const CASES: Record<string, { snap: MapSnapshot; opts?: PrintOptions }> = {
  "scalar-count": { snap: scalar("@c", count(3)) },
  "keyed-count": {
    snap: snap("@calls", "count", [
      { key: [str("read")], value: count(2) },
      { key: [str("open")], value: count(1) },
    ]),
  },
  "hist-conformance": { snap: scalar("@h", hist([5, 100])) },
  "hist-negative": { snap: scalar("@", hist([-1, 2, 3, 7, 20])) },
  "hist-large": { snap: scalar("@big", hist([0, 1, 1023, 1024, 3_000_000, 5n * 1024n ** 3n, 2n ** 62n])) },
  "hist-bits": { snap: scalar("@", hist(Array.from({ length: 40 }, (_, i) => i * 3), 2)) },
  "hist-keyed": {
    snap: snap("@hk", "hist", [
      { key: [str("x")], value: hist([0, 1]) },
      { key: [str("y")], value: hist([3_000_000]) },
    ]),
  },
  "hist-top-div": {
    snap: snap("@", "hist", [
      { key: [int(1)], value: hist([10, 10, 10, 10]) },
      { key: [int(2)], value: hist([20, 20, 20, 40, 40, 40]) },
      { key: [int(3)], value: hist([30, 30, 30, 30, 30]) },
    ]),
    opts: { top: 2, div: 2n },
  },
  "hist-empty": { snap: scalar("@h", { kind: "hist", buckets: [0n, 0n, 0n] }) },
  lhist: { snap: scalar("@l", lhist([5, 200, -1], 0, 100, 10)) },
  "lhist-v023": { snap: scalar("@", lhist([2, 3, 7, -1, 11], 0, 10, 2)) },
  "lhist-kilo": { snap: scalar("@k", lhist([0, 1500, 4096, 2_000_000, 3_000_000], 0, 4 * 1024 * 1024, 1024 * 1024)) },
  "lhist-keyed": {
    snap: snap("@stats", "lhist", [
      { key: [str("bpftrace")], value: lhist([2, 1000], 0, 100, 10) },
      { key: [str("curl")], value: lhist([50], 0, 100, 10) },
    ]),
  },
  stats: { snap: scalar("@s", stats([2, 8])) },
  "stats-keyed-top": {
    snap: snap("@s", "stats", [
      { key: [str("zsh")], value: stats([10, 30]) },
      { key: [str("curl")], value: stats([2]) },
      { key: [str("bash")], value: stats([]) },
    ]),
    opts: { top: 1 },
  },
  avg: { snap: scalar("@a", stats([7, 2], "avg")) },
  "avg-top-div": {
    snap: snap("@", "avg", ["a", "b", "c", "d"].map((k, i) => ({ key: [str(k)], value: stats([(i + 1) * 10], "avg") }))),
    opts: { top: 2, div: 10n },
  },
  "min-max": {
    snap: snap("@mn", "min", [
      { key: [str("a")], value: { kind: "min", value: -5n } },
      { key: [str("b")], value: { kind: "min", value: 7n } },
      { key: [str("c")], value: { kind: "min", value: 3n } },
    ]),
  },
  "sum-signed": {
    snap: snap("@bytes", "sum", [
      { key: [int(1)], value: { kind: "sum", value: 4096n } },
      { key: [int(2)], value: { kind: "sum", value: -12n } },
      { key: [int(3)], value: { kind: "sum", value: 100n } },
    ]),
  },
  "multi-key": {
    snap: snap("@m", "value", [
      { key: [str("a"), int(1)], value: { kind: "value", value: int(5) } },
      { key: [str("b"), int(2)], value: { kind: "value", value: int(3) } },
    ]),
  },
  "tuple-value": { snap: scalar("@t", { kind: "value", value: tuple(int(1), str("abc"), tuple(int(4), int(5))) }) },
  "string-values": {
    snap: snap("@z", "value", [
      { key: [int(-1, true)], value: { kind: "value", value: str("neg") } },
      { key: [int(3, true)], value: { kind: "value", value: str("pos") } },
      { key: [int(1, true)], value: { kind: "value", value: str("one") } },
    ]),
  },
  "stack-keys": {
    snap: snap("@", "count", [
      { key: [stack("vfs_read+5", "ksys_read+112", "do_syscall_64+91")], value: count(7) },
      { key: [stack("vfs_write+1", "ksys_write+9")], value: count(3) },
    ]),
  },
  "stack-values": {
    snap: snap("@s", "value", [
      { key: [int(1)], value: { kind: "value", value: stack("f+1", "g+2") } },
      { key: [int(2)], value: { kind: "value", value: stack("h+3") } },
    ]),
  },
  "ksym-values": {
    snap: snap("@x", "value", [
      { key: [int(1)], value: { kind: "value", value: { kind: "text", text: "_text", origin: "ksym" } } },
      { key: [int(2)], value: { kind: "value", value: { kind: "text", text: "__entry_text_start", origin: "ksym" } } },
    ]),
  },
  buf: { snap: scalar("@b", { kind: "value", value: { kind: "buf", bytes: new Uint8Array([0x61, 0x62, 0x01, 0xff]) } }) },
  "empty-count": { snap: snap("@calls", "count", []) },
  "count-top-div": {
    snap: snap("@c", "count", [5, 50, 500, 5000].map((n, i) => ({ key: [str(`k${i}`)], value: count(n) }))),
    opts: { top: 3, div: 10n },
  },
};

