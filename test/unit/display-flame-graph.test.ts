// Stack-keyed maps: the partition behind the icicle chart and the folded stacks text.

import { describe, expect, it } from "vitest";
import { foldedStacks, partition, stackPath } from "../../magics/display/flame-graph.ts";
import { mapBundle, VEGA_LITE_MIME } from "../../magics/display/index.ts";
import { count, snap, stack, str } from "./golden/output/fixtures.ts";

const s = snap("@", "count", [
  { key: [stack("vfs_read+5", "ksys_read+112", "do_syscall_64+91")], value: count(6) },
  { key: [stack("vfs_write+1", "ksys_write+9", "do_syscall_64+91")], value: count(3) },
  { key: [stack("do_syscall_64+91")], value: count(1) },
]);

describe("flame graph", () => {
  it("folds stacks root first, one line per entry, sorted", () => {
    expect(foldedStacks(s)).toBe(
      "do_syscall_64+91 1\n" +
        "do_syscall_64+91;ksys_read+112;vfs_read+5 6\n" +
        "do_syscall_64+91;ksys_write+9;vfs_write+1 3\n",
    );
  });

  it("puts other key parts above user frames above kernel frames", () => {
    const e = {
      key: [str("bash"), { kind: "stack" as const, frames: ["k1", "k0"], user: false }, { kind: "stack" as const, frames: ["u1", "u0"], user: true }],
      value: count(1),
    };
    expect(stackPath(e)).toEqual(["bash", "u0", "u1", "k0", "k1"]);
  });

  it("splits each span among children by value", () => {
    const { rects, total, depth } = partition(s);
    expect(total).toBe(10);
    expect(depth).toBe(4);
    const at = (name: string) => rects.find((r) => r.name === name);
    expect(at("all")).toMatchObject({ depth: 0, x0: 0, x1: 10 });
    expect(at("do_syscall_64+91")).toMatchObject({ depth: 1, x0: 0, x1: 10 });
    expect(at("ksys_read+112")).toMatchObject({ depth: 2, x0: 0, x1: 6, share: 60 });
    expect(at("ksys_write+9")).toMatchObject({ depth: 2, x0: 6, x1: 9 });
    expect(at("vfs_write+1")).toMatchObject({ depth: 3, x0: 6, x1: 9 });
  });

  it("draws rects and labels on one layer each", () => {
    const spec = mapBundle(s)[VEGA_LITE_MIME] as { layer: { mark: { type: string } }[]; height: number };
    expect(spec.layer.map((l) => l.mark.type)).toEqual(["rect", "text"]);
    expect(spec.height).toBe(4 * 18);
  });
});
