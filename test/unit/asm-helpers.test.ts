import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { helperName, helpers, MAX_HELPER_ID } from "../../bpf/asm/index.ts";

const BPF_H = "/usr/include/linux/bpf.h";

describe("helper ids", () => {
  it("knows the ids codegen uses", () => {
    expect(helpers.map_lookup_elem).toBe(1);
    expect(helpers.map_update_elem).toBe(2);
    expect(helpers.map_delete_elem).toBe(3);
    expect(helpers.ktime_get_ns).toBe(5);
    expect(helpers.get_current_pid_tgid).toBe(14);
    expect(helpers.get_current_comm).toBe(16);
    expect(helpers.perf_event_output).toBe(25);
    expect(helpers.get_stackid).toBe(27);
    expect(helpers.probe_read_user).toBe(112);
    expect(helpers.probe_read_kernel_str).toBe(115);
    expect(helpers.ringbuf_output).toBe(130);
    expect(helpers.loop).toBe(181);
    expect(helpers.user_ringbuf_drain).toBe(209);
    expect(helpers.cgrp_storage_delete).toBe(211);
    expect(MAX_HELPER_ID).toBe(211);
  });

  it("is a bijection between names and ids 0..MAX_HELPER_ID", () => {
    for (let id = 0; id <= MAX_HELPER_ID; id++) {
      const name = helperName(id);
      expect(name).toBeDefined();
      expect(helpers[name!]).toBe(id);
    }
    expect(Object.keys(helpers)).toHaveLength(MAX_HELPER_ID + 1);
    expect(helperName(MAX_HELPER_ID + 1)).toBeUndefined();
    expect(helperName(-1)).toBeUndefined();
    expect(helpers["constructor"]).toBeUndefined();
  });

  it.skipIf(!existsSync(BPF_H))(`matches the __BPF_FUNC_MAPPER order in ${BPF_H}`, () => {
    const text = readFileSync(BPF_H, "utf8");
    const start = text.indexOf("#define __BPF_FUNC_MAPPER(FN)");
    expect(start).toBeGreaterThan(0);
    const body = text.slice(start, text.indexOf("/* */", start));
    const names = [...body.matchAll(/FN\((\w+)/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(200);
    names.forEach((name, id) => expect([id, helperName(id)]).toEqual([id, name]));
  });
});
