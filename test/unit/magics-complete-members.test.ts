// Completion after `->` and `.` (magics/complete-members.ts) against the recorded machine
// (test/fixtures/tracefs) and the small BTF kernel of test/helpers/btf-sample.ts: the
// fields of tracepoint args, of kernel structs through pointers, of program structs and
// tuples. Nothing is loaded.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { recordedEnv } from "../../bpf/probes/env.ts";
import { Session } from "../../bpf/session.ts";
import { completeMembers } from "../../magics/complete-members.ts";
import { sample } from "../helpers/btf-sample.ts";

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tracebook-complete-"));
writeFileSync(join(dir, "vmlinux"), sample().bytes);
const session = new Session(recordedEnv(join(here, "../fixtures/tracefs"), { btf: join(dir, "vmlinux") }));

const at = (code: string) => completeMembers(session, code, code.length)?.matches;

describe("member completion", () => {
  it("offers a tracepoint's fields after args-> and args.", () => {
    expect(at("tracepoint:syscalls:sys_enter_openat { @x = args->fi")).toEqual(["filename"]);
    expect(at("tracepoint:syscalls:sys_enter_openat { printf(\"%d\", args.")).toEqual(expect.arrayContaining(["dfd", "filename", "flags", "mode"]));
  });

  it("offers a kernel struct's members through BTF, down a pointer chain and through variables", () => {
    expect(at("BEGIN { $p = curtask->parent->")).toEqual(["a", "b", "comm", "flag", "mode", "parent", "pid"]);
    expect(at("BEGIN { $t = curtask; $n = $t->pa")).toEqual(["parent"]);
    expect(at("BEGIN { @x = ((struct task_struct *)0)->co")).toEqual(["comm"]);
  });

  it("offers a program struct's fields and a tuple's indexes", () => {
    expect(at("struct S { int alpha; char beta[4]; } BEGIN { $s = (struct S *)0; @x = $s->")).toEqual(["alpha", "beta"]);
    expect(at('BEGIN { $t = (1, "a"); @x = $t.')).toEqual(["0", "1"]);
  });

  it("says nothing where there is no member access", () => {
    expect(completeMembers(session, "BEGIN { @x = 1", 14)).toBeUndefined();
    expect(at("uprobe:/lib/libc.so.")).toBeUndefined();
  });
});
