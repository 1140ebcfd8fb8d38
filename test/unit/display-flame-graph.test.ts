// Stack-keyed maps: the partition behind the icicle chart, its labels and colours, the
// spec as JupyterLab's vega-lite (5.6.1) compiles it, and the folded stacks text.

import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import type { MapEntry, Value } from "../../bpf/types/snapshot.ts";
import { foldedStacks, frameLabel, KIND_COLOURS, parseFrame, partition, stackPath } from "../../magics/display/flame-graph.ts";
import { mapBundle, mapDisplay, VEGA_LITE_MIME } from "../../magics/display/index.ts";
import { count, snap, stack, str, tuple } from "./golden/output/fixtures.ts";

const s = snap("@", "count", [
  { key: [stack("vfs_read+5", "ksys_read+112", "do_syscall_64+91")], value: count(6) },
  { key: [stack("vfs_write+1", "ksys_write+9", "do_syscall_64+91")], value: count(3) },
  { key: [stack("do_syscall_64+91")], value: count(1) },
]);

const ustack = (...frames: string[]): Value => ({ kind: "stack", frames, user: true });

interface Datum {
  name: string;
  kind: string;
  label: string;
  x0: number;
  x1: number;
  offsets: string;
}
interface FlameSpec {
  data: { values: Datum[] };
  width: number;
  height: number;
  layer: { mark: { type: string }; encoding: { color?: { field: string; scale: { domain: string[]; range: string[] } } } }[];
}
const flameSpec = (m: Parameters<typeof mapBundle>[0]) => mapBundle(m)[VEGA_LITE_MIME] as unknown as FlameSpec;

// profile:hz:99 { @[kstack] = count(); } on a busy machine: a third of the samples in user space
// (no kernel stack), idle, reads and writes through the page cache and pipes, futexes,
// page faults, one openat. 48 frames in the chart with "all".
const SYS = ["do_syscall_64+91", "entry_SYSCALL_64_after_hwframe+118"];
const IDLE = ["cpuidle_enter_state+137", "cpuidle_enter+45", "do_idle+484", "cpu_startup_entry+29", "start_secondary+282", "secondary_startup_64_no_verify+380"];
const k = (n: number, ...frames: string[]): MapEntry => ({ key: [stack(...frames)], value: count(n) });
const profile = snap("@", "count", [
  k(270),
  k(212, "intel_idle+23", ...IDLE),
  k(61, "intel_idle+31", ...IDLE),
  k(96, "copy_user_enhanced_fast_string+14", "_copy_to_iter+156", "filemap_read+433", "vfs_read+502", "ksys_read+103", "__x64_sys_read+25", "x64_sys_call+7790", ...SYS),
  k(41, "filemap_get_pages+102", "filemap_read+233", "vfs_read+502", "ksys_read+103", "__x64_sys_read+25", "x64_sys_call+7790", ...SYS),
  k(48, "copy_user_enhanced_fast_string+14", "copy_page_from_iter+120", "pipe_write+452", "vfs_write+714", "ksys_write+103", "__x64_sys_write+25", "x64_sys_call+8120", ...SYS),
  k(24, "futex_wait_queue+96", "futex_wait+382", "do_futex+203", "__x64_sys_futex+115", "x64_sys_call+1201", ...SYS),
  k(13, "_raw_spin_unlock_irqrestore+29", "try_to_wake_up+648", "wake_up_q+74", "futex_wake+346", "do_futex+286", "__x64_sys_futex+115", "x64_sys_call+1201", ...SYS),
  k(23, "link_path_walk.part.0.constprop.0+583", "path_openat+150", "do_filp_open+178", "do_sys_openat2+159", "__x64_sys_openat+85", "x64_sys_call+6012", ...SYS),
  k(25, "clear_page_erms+11", "get_page_from_freelist+849", "__alloc_pages+480", "alloc_pages_mpol+145", "do_anonymous_page+140", "__handle_mm_fault+2011", "handle_mm_fault+244", "do_user_addr_fault+521", "exc_page_fault+119", "asm_exc_page_fault+38"),
]);

describe("flame graph", () => {
  it("folds stacks root first, one line per entry, sorted, offsets kept", () => {
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
    expect(at("do_syscall_64")).toMatchObject({ depth: 1, x0: 0, x1: 10, offsets: "+91" });
    expect(at("ksys_read")).toMatchObject({ depth: 2, x0: 0, x1: 6, share: 60 });
    expect(at("ksys_write")).toMatchObject({ depth: 2, x0: 6, x1: 9 });
    expect(at("vfs_write")).toMatchObject({ depth: 3, x0: 6, x1: 9 });
  });

  it("merges frames of one function under one parent, whatever their offsets", () => {
    const m = snap("@", "count", [
      { key: [stack("f+0x1", "main+4")], value: count(2) },
      { key: [stack("f+0x2", "main+4")], value: count(5) },
      { key: [stack("f+0x1", "main+4")], value: count(1) }, // as two symbolised ids can print
    ]);
    const fs = partition(m).rects.filter((r) => r.name === "f");
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ depth: 2, value: 8, offsets: "+0x1, +0x2", kind: "kernel" });
    expect(partition(m).rects.map((r) => r.name)).toEqual(["all", "main", "f"]);
  });

  it("lists a few distinct offsets of a merged frame, then how many more", () => {
    const m = snap("@", "count", ["+1", "+2", "+3", "+4", "+5"].map((o) => ({ key: [stack(`f${o}`)], value: count(1) })));
    expect(partition(m).rects.find((r) => r.name === "f")).toMatchObject({ value: 5, offsets: "+1, +2, +3 and 2 more" });
  });

  it("keeps a user and a kernel function of one name apart, and unknown addresses whole", () => {
    expect(parseFrame("0x7f3a12c4", "user", undefined)).toEqual({ name: "0x7f3a12c4", kind: "user" });
    expect(parseFrame("ffffffff8134a1b6", "kernel", "raw")).toEqual({ name: "ffffffff8134a1b6", kind: "kernel" });
    expect(parseFrame("ffffffff8134a1b6 vfs_read+26", "kernel", "perf")).toEqual({ name: "vfs_read", kind: "kernel", offset: "+26" });
    expect(parseFrame("7f3a12c4 malloc+12 (/usr/lib/libc.so.6)", "user", "perf")).toEqual({
      name: "malloc",
      kind: "user",
      offset: "+12",
      module: "/usr/lib/libc.so.6",
    });
    const m = snap("@", "count", [{ key: [tuple(ustack("f+1"), stack("f+2"))], value: count(1) }]);
    expect(partition(m).rects.map((r) => [r.name, r.kind])).toEqual([["all", "key"], ["f", "user"], ["f", "kernel"]]);
  });

  it("merges the lines of one function (show_debug_info frames) and keeps inlined calls apart", () => {
    expect(parseFrame("spin+12@/src/work.c:41", "user", undefined)).toEqual({ name: "spin", kind: "user", offset: "+12" });
    expect(parseFrame("[inlined] myclock@/src/work.c:9", "user", undefined)).toEqual({ name: "[inlined] myclock", kind: "user" });
    const m = snap("@", "count", [
      { key: [ustack("spin+12@/src/work.c:41", "main+5@/src/work.c:60")], value: count(2) },
      { key: [ustack("spin+20@/src/work.c:43", "main+5@/src/work.c:60")], value: count(3) },
    ]);
    expect(partition(m).rects.find((r) => r.name === "spin")).toMatchObject({ value: 5, offsets: "+12, +20" });
  });

  it("gives an empty stack a frame that says so", () => {
    const m = snap("@", "count", [
      { key: [tuple(str("bash"), ustack(), stack())], value: count(3) },
      { key: [tuple(str("bash"), ustack("main+3"), stack("vfs_read+5"))], value: count(1) },
    ]);
    const rects = partition(m).rects;
    expect(rects.map((r) => [r.name, r.depth, r.value, r.kind])).toEqual([
      ["all", 0, 4, "key"],
      ["bash", 1, 4, "key"],
      ["[no user stack]", 2, 3, "empty"],
      ["[no kernel stack]", 3, 3, "empty"],
      ["main", 2, 1, "user"],
      ["vfs_read", 3, 1, "kernel"],
    ]);
    const labels = flameSpec(m).data.values.map((d) => d.label);
    expect(labels).toContain("[no kernel stack]");
    // The folded text stays as flamegraph.pl reads it: no frames for an empty stack.
    expect(foldedStacks(m)).toBe("bash 3\nbash;main+3;vfs_read+5 1\n");
  });

  it("cuts a label to what fits, with an ellipsis, and leaves out ones under three characters", () => {
    expect(frameLabel("vfs_read", 6 + 8 * 6.5)).toBe("vfs_read");
    expect(frameLabel("vfs_read", 6 + 7 * 6.5)).toBe("vfs_re…");
    expect(frameLabel("vfs_read", 6 + 3 * 6.5)).toBe("vf…");
    expect(frameLabel("vfs_read", 6 + 2.9 * 6.5)).toBe("");
    expect(frameLabel("f", 10)).toBe("");
  });

  it("labels every frame of a 48-frame profile that has room for three characters", () => {
    const spec = flameSpec(profile);
    const values = spec.data.values;
    expect(values).toHaveLength(48);
    const total = values[0]!.x1;
    const px = (d: Datum) => ((d.x1 - d.x0) / total) * spec.width;
    const labelled = values.filter((d) => d.label !== "");
    expect(labelled).toHaveLength(values.filter((d) => px(d) >= 6 + 3 * 6.5).length);
    // The former rule (more than 24 px of room) labelled 27 of these 48.
    expect(labelled).toHaveLength(39);
    for (const d of labelled) {
      expect(d.label.length * 6.5).toBeLessThanOrEqual(px(d) - 6);
      expect(d.label === d.name || (d.label.endsWith("…") && d.name.startsWith(d.label.slice(0, -1)))).toBe(true);
    }
    expect(values.find((d) => d.name === "[no kernel stack]")?.label).toBe("[no kernel stack]");
    const vfsRead = values.filter((d) => d.name === "vfs_read");
    expect(vfsRead).toHaveLength(1);
    expect(vfsRead[0]?.offsets).toBe("+502");
    const text = spec.layer[1] as unknown as { encoding: { text: { field: string } } };
    expect(text.encoding.text.field).toBe("label");
  });

  it("colours kernel frames warm, user frames green and key parts grey, with a legend", () => {
    const m = snap("@", "count", [{ key: [tuple(str("bash"), ustack("main+3"), stack("vfs_read+5"))], value: count(1) }]);
    const color = flameSpec(m).layer[0]?.encoding.color;
    expect(color?.field).toBe("kind");
    const colourOf = (kind: string) => color?.scale.range[color.scale.domain.indexOf(kind)];
    expect(colourOf("kernel")).toBe(KIND_COLOURS.kernel);
    expect(colourOf("user")).toBe(KIND_COLOURS.user);
    expect(colourOf("key")).toBe(KIND_COLOURS.key);
    const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
    const [kr, , kb] = hex(KIND_COLOURS.kernel);
    const [ur, ug] = hex(KIND_COLOURS.user);
    expect(kr).toBeGreaterThan(kb + 100); // warm
    expect(ug).toBeGreaterThan(ur + 50); // green
    expect(new Set(flameSpec(m).data.values.map((d) => [d.name, d.kind].join(" ")))).toEqual(new Set(["all key", "bash key", "main user", "vfs_read kernel"]));
  });

  it("draws rects and labels on one layer each", () => {
    const spec = flameSpec(s);
    expect(spec.layer.map((l) => l.mark.type)).toEqual(["rect", "text"]);
    expect(spec.height).toBe(4 * 18);
  });

  it("compiles with JupyterLab's vega-lite 5.6.1 without warnings", () => {
    const require = createRequire(import.meta.url);
    const vl5 = require("../../node_modules/@jupyterlab/vega5-extension/node_modules/vega-lite/build/vega-lite.js") as {
      version: string;
      compile(spec: unknown, opts: { logger: unknown }): { spec: unknown };
    };
    expect(vl5.version).toBe("5.6.1");
    const messages: unknown[][] = [];
    let level = 0;
    const logger = {
      level(l?: number) {
        if (l === undefined) return level;
        level = l;
        return logger;
      },
      warn: (...m: unknown[]) => (messages.push(["warn", ...m]), logger),
      error: (...m: unknown[]) => (messages.push(["error", ...m]), logger),
      info: () => logger,
      debug: () => logger,
    };
    const m = snap("@", "count", [
      { key: [tuple(str("bash"), ustack("main+3"), stack())], value: count(2) },
      { key: [tuple(str("node"), ustack("7f3a12c4 malloc+12 (/usr/lib/libc.so.6)"), stack("vfs_read+5"))], value: count(1) },
    ]);
    for (const spec of [flameSpec(profile), flameSpec(m), flameSpec(s)]) {
      expect(vl5.compile(structuredClone(spec), { logger }).spec).toBeDefined();
    }
    expect(messages).toEqual([]);
  });
});

describe("the flame graph's SVG", () => {
  it("gives every frame a <title> with its full name, offsets, value and share (hover in any SVG view)", async () => {
    const long = "a_very_long_kernel_function_name_that_cannot_fit_in_its_frame";
    const s = snap("@", "count", [
      { key: [stack("vfs_read+5", "ksys_read+112", "do_syscall_64+91")], value: count(97) },
      { key: [stack(`${long}+1`, "do_syscall_64+91")], value: count(3) },
    ]);
    const svg = (await mapDisplay(s)).data["image/svg+xml"] as string;
    const titles = [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(titles).toContain("vfs_read (+5): 97 count, 97% of the total (kernel)");
    expect(titles).toContain(`${long} (+1): 3 count, 3% of the total (kernel)`);
    expect(titles).toContain("do_syscall_64 (+91): 100 count, 100% of the total (kernel)");
    // one per frame: root, do_syscall_64, ksys_read, vfs_read, the long one; labels have none
    expect(titles).toHaveLength(5);
  });
});

describe("truncated stacks", () => {
  it("gather under one [truncated kernel stack] frame instead of posing as roots; the folded text is unchanged", () => {
    const cut = (...frames: string[]): Value => ({ kind: "stack", frames, user: false, truncated: true });
    const s = snap("@", "count", [
      { key: [cut("a+1", "b+2", "c+3")], value: count(5) },
      { key: [cut("a+1", "b+2", "d+4")], value: count(2) },
      { key: [stack("a+1", "main+9")], value: count(1) },
    ]);
    const { rects } = partition(s);
    const atDepth1 = rects.filter((r) => r.depth === 1).map((r) => [r.name, r.value]);
    expect(atDepth1).toEqual(expect.arrayContaining([["[truncated kernel stack]", 7], ["main", 1]]));
    expect(rects.filter((r) => r.depth === 1)).toHaveLength(2);
    expect(foldedStacks(s)).toBe("c+3;b+2;a+1 5\nd+4;b+2;a+1 2\nmain+9;a+1 1\n");
  });
});
