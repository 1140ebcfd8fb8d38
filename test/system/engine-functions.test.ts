// The functions formatted in user space or resolved at compile time, against this kernel:
// strftime (wall clock), ntop (IPv4/IPv6 of real TCP connections), join (argv of a real
// execve), ustack symbolised per process (a gcc-built workload that exited before the
// maps were printed), usym, uaddr, macaddr, kaddr + `*` on an integer, cgroupid, cat,
// system and write_user (--unsafe only), hist(n, k), bswap.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { createServer, connect, type AddressInfo } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { mapOf, newSession, traceWorkload } from "../helpers/engine.ts";
import { startC, startWorkload } from "../helpers/workload.ts";
import { describeError } from "../../bpf/errors.ts";
import { CompileFailure } from "../../bpf/session.ts";
import { formatMap } from "../../bpf/output/index.ts";
import { machineEnv } from "../../bpf/runtime/features.ts";
import * as native from "../../native/index.ts";
import { VerifierError } from "../../native/index.ts";
import { ElfFile, functionSymbols, symbolFileOffset } from "../../bpf/elf/index.ts";

/** The note type of a GNU build id (elf.h NT_GNU_BUILD_ID). */
const NT_GNU_BUILD_ID = 3;

const SOURCE = fileURLToPath(new URL("../fixtures/workload/funcs.c", import.meta.url));
/** The line of funcs.c that `text` starts (after its indentation). */
const lineOf = (text: string) => readFileSync(SOURCE, "utf8").split("\n").findIndex((l) => l.trimStart().startsWith(text)) + 1;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const dir = mkdtempSync(join(tmpdir(), "tracebook-funcs-"));
/** PIE (the default) and non-PIE, for ustack and uaddr. */
function build(name: string, pie: boolean): string {
  const out = join(dir, name);
  execFileSync("gcc", ["-O1", "-g", "-fno-omit-frame-pointer", ...(pie ? [] : ["-no-pie"]), "-o", out, SOURCE], { stdio: "pipe" });
  return out;
}

/** Whether kernel lockdown (integrity or confidentiality) is in force: securityfs says, else the forced mode of the kernel's config. */
function lockedDown(): boolean {
  if (existsSync("/sys/kernel/security/lockdown")) return /\[(integrity|confidentiality)\]/.test(readFileSync("/sys/kernel/security/lockdown", "utf8"));
  if (!existsSync("/proc/config.gz")) return false;
  return /^CONFIG_LOCK_DOWN_KERNEL_FORCE_(INTEGRITY|CONFIDENTIALITY)=y$/m.test(gunzipSync(readFileSync("/proc/config.gz")).toString("utf8"));
}

async function collect(session: ReturnType<typeof newSession>, source: string, opts: { unsafe?: boolean } = {}): Promise<string> {
  let text = "";
  await session.run(source, { origin: "cell[1]", output: (t) => (text += t), ...opts });
  return text;
}

describe.skipIf(skipWithoutBpf())("engine: strftime, ntop, join, ustack and the other functions", () => {
  const fdsBefore = native.openFdCount();
  const session = newSession();
  const pie = build("tbfuncs", true);
  const nopie = build("tbfuncs-nopie", false);
  afterAll(() => {
    session.close();
    expect(native.openFdCount()).toBe(fdsBefore);
  });

  it("bswap reverses the bytes of its argument's width", async () => {
    const text = await collect(session, 'BEGIN { printf("%x %x %lx %x\\n", bswap((uint16)0x1234), bswap((uint32)0x12345678), bswap((uint64)0x0102030405060708), bswap((int8)0x12)); exit(); }');
    expect(text).toBe("3412 78563412 807060504030201 12\n");
  });

  it("debugf writes one line per call to the kernel's trace buffer (bpf_trace_printk): integers and a string", async () => {
    const marker = `tb-debugf-${process.pid}-${Date.now() % 100000}`;
    const text = await collect(session, `BEGIN { debugf("${marker} %d %s %x", 7, "abc", 255); debugf("${marker} two"); exit(); }`);
    expect(text).toBe("");
    const lines = readFileSync("/sys/kernel/tracing/trace", "utf8").split("\n").filter((l) => l.includes(marker));
    expect(lines.map((l) => l.slice(l.indexOf("bpf_trace_printk: ")))).toEqual([`bpf_trace_printk: ${marker} 7 abc ff`, `bpf_trace_printk: ${marker} two`]);
  });

  it("strftime(\"%H:%M:%S\", nsecs) in BEGIN is the wall clock (within a second); %s and %f", async () => {
    const before = Date.now();
    const text = await collect(session, 'BEGIN { printf("%s|%s|%s\\n", strftime("%H:%M:%S", nsecs), strftime("%s", nsecs), strftime("%f", nsecs)); exit(); }');
    const after = Date.now();
    const [hms, secs, us] = text.trim().split("|") as [string, string, string];
    const [h, m, s] = hms.split(":").map(Number) as [number, number, number];
    const d = new Date(before);
    const printed = new Date(d.getFullYear(), d.getMonth(), d.getDate(), h, m, s).getTime();
    const dayMs = 86_400_000;
    const diff = (((printed - before) % dayMs) + dayMs + dayMs / 2) % dayMs - dayMs / 2;
    expect(diff).toBeGreaterThanOrEqual(-1000);
    expect(diff).toBeLessThanOrEqual(after - before + 1000);
    expect(Math.abs(Number(secs) * 1000 - before)).toBeLessThanOrEqual(after - before + 1000);
    expect(us).toMatch(/^\d{6}$/);
  });

  it("strftime values are map keys and values; both print formatted", async () => {
    const year = new Date().getFullYear();
    await collect(session, 'BEGIN { @t = strftime("%Y", nsecs); @k[strftime("%Y", nsecs)] = count(); exit(); }');
    expect(formatMap(mapOf(session.snapshots(["@t", "@k"]), "@t"))).toBe(`@t: ${year}\n`);
    expect(formatMap(mapOf(session.snapshots(["@t", "@k"]), "@k"))).toBe(`@k[${year}]: 1\n`);
    session.dropMap("@t");
    session.dropMap("@k");
  });

  it("ntop: IPv4 from an integer (with and without AF_INET)", async () => {
    const text = await collect(session, 'BEGIN { printf("%s %s %s\\n", ntop(0x0100007f), ntop(2, 0x0201a8c0), ntop(0xffffffff)); exit(); }');
    expect(text).toBe("127.0.0.1 192.168.1.2 255.255.255.255\n");
  });

  it("ntop of inet_sock_set_state's 4- and 16-byte addresses: 127.0.0.1 and ::1", async () => {
    const servers = await Promise.all(["127.0.0.1", "::1"].map((host) => new Promise<ReturnType<typeof createServer>>((resolve) => {
      const srv = createServer((sock) => sock.end());
      srv.listen(0, host, () => resolve(srv));
    })));
    const ports = servers.map((s) => (s.address() as AddressInfo).port);
    const ctl = new AbortController();
    let text = "";
    const prog = `tracepoint:sock:inet_sock_set_state /args.newstate == 2 && (args.dport == ${ports[0]} || args.dport == ${ports[1]})/ {
      printf("%d %s %s\\n", args.dport, args.family == 2 ? ntop(args.daddr) : ntop(args.daddr_v6), ntop(10, args.saddr_v6));
    }`;
    const run = session.run(prog, {
      origin: "cell[1]",
      signal: ctl.signal,
      output: (t) => (text += t),
      attached: () => {
        let left = 2;
        for (const [i, host] of ["127.0.0.1", "::1"].entries()) {
          const c = connect(ports[i]!, host, () => c.end());
          c.on("close", () => {
            if (--left === 0) setTimeout(() => ctl.abort(), 50);
          });
        }
      },
    });
    await run;
    for (const s of servers) s.close();
    // TCP_SYN_SENT (2) once per connection; the IPv4 socket's v6 source is the mapped ::ffff:127.0.0.1
    expect(text.split("\n").filter(Boolean).sort()).toEqual([`${ports[0]} 127.0.0.1 ::ffff:127.0.0.1`, `${ports[1]} ::1 ::1`].sort());
  });

  it("join(args.argv) prints an execve's argv: space, custom separator, at most 16 elements", async () => {
    const args = Array.from({ length: 20 }, (_, i) => `a${i}`);
    const ctl = new AbortController();
    let text = "";
    const prog = 'tracepoint:syscalls:sys_enter_execve /str(args.filename) == "/bin/echo"/ { join(args.argv); join(args.argv, ","); }';
    await session.run(prog, {
      origin: "cell[1]",
      signal: ctl.signal,
      output: (t) => (text += t),
      attached: () => {
        const a = spawn("/bin/echo", ["alpha", "beta gamma"], { stdio: "ignore" });
        a.on("exit", () => {
          const b = spawn("/bin/echo", args, { stdio: "ignore" });
          b.on("exit", () => setTimeout(() => ctl.abort(), 50));
        });
      },
    });
    expect(text).toBe(
      "/bin/echo alpha beta gamma\n/bin/echo,alpha,beta gamma\n" +
        `/bin/echo ${args.slice(0, 15).join(" ")}\n/bin/echo,${args.slice(0, 15).join(",")}\n`,
    );
  });

  it("ustack is symbolised per process after it exited: leaf+0@funcs.c:line, outer, main, exact count; usym, macaddr of user memory", async () => {
    const w = await startWorkload(pie, ["7", "300"]);
    const r = await traceWorkload(session, `uprobe:${pie}:leaf /pid == $1/ {
      @s[ustack] = count(); @p[ustack(perf, 2)] = count(); @n[ustack(2)] = count();
      printf("%s %s\\n", usym(reg("ip")), macaddr(arg1));
    }`, w, { settleMs: 100 });
    expect(r.workloadExit).toBe(0);
    expect(r.lines).toEqual(Array(7).fill("leaf 00:1B:21:3C:4D:5E"));
    const s = mapOf(r.maps, "@s");
    expect(s.entries).toHaveLength(1);
    const e = s.entries[0]!;
    expect(e.value).toEqual({ kind: "count", value: 7n });
    const frames = e.key[0]!.kind === "stack" ? e.key[0]!.frames : [];
    // At the entry of leaf its caller's frame is not yet linked: leaf, then outer (middle's
    // caller); with -g each frame names its line (leaf's first statement; a caller's is the
    // line of its return address).
    const at = (line: number | string) => `@${escape(SOURCE)}:${line}`;
    const leaf = `leaf\\+0${at(lineOf("counter += (unsigned int)i;"))}`;
    expect(frames[0]).toMatch(new RegExp(`^${leaf}$`));
    expect(frames[1]).toMatch(new RegExp(`^outer\\+\\d+${at("\\d+")}$`));
    expect(frames[2]).toMatch(new RegExp(`^main\\+\\d+${at("\\d+")}$`));
    expect(formatMap(s)).toMatch(new RegExp(`^@s\\[\\n {8}${leaf}\\n {8}outer\\+\\d+@\\S+\\n {8}main\\+\\d+@\\S+\\n`));
    expect(formatMap(mapOf(r.maps, "@n"))).toMatch(new RegExp(`^@n\\[\\n {8}${leaf}\\n {8}outer\\+\\d+@\\S+\\n\\]: 7\\n$`));
    expect(formatMap(mapOf(r.maps, "@p"))).toMatch(new RegExp(`^@p\\[\\n\\t[0-9a-f]+ leaf\\+0 \\(${pie}\\)\\n\\t[0-9a-f]+ outer\\+\\d+ \\(${pie}\\)\\n\\]: 7\\n$`));
    // The stack map is emptied once no map refers to a stack any more.
    const stacks = () => Array.from({ length: 4096 }, (_, id) => session.rawStack(BigInt(id)).length).filter((n) => n > 0).length;
    expect(stacks()).toBeGreaterThan(0);
    session.dropMap("@s");
    session.dropMap("@p");
    expect(stacks()).toBeGreaterThan(0);
    session.dropMap("@n");
    expect(stacks()).toBe(0);
  });

  it("ustack(1) keeps one frame in its own stack map: two call paths of leaf() are one key", async () => {
    const w = await startWorkload(pie, ["4", "300", "direct"]);
    const r = await traceWorkload(session, `uprobe:${pie}:leaf /pid == $1/ { @full[ustack] = count(); @one[ustack(1)] = count(); }`, w, { settleMs: 100 });
    expect(mapOf(r.maps, "@full").entries.map((e) => e.value)).toEqual([{ kind: "count", value: 4n }, { kind: "count", value: 4n }]);
    expect(formatMap(mapOf(r.maps, "@one"))).toBe(`@one[\n        leaf+0@${SOURCE}:${lineOf("counter += (unsigned int)i;")}\n]: 8\n`);
    session.dropMap("@full");
    session.dropMap("@one");
  });

  it("config show_debug_info=0 leaves the file:line out of ustack frames; perf mode never shows it", async () => {
    const w = await startWorkload(pie, ["3", "300"]);
    const r = await traceWorkload(session, `config = { show_debug_info=0 } uprobe:${pie}:leaf /pid == $1/ { @b[ustack(2)] = count(); @q[ustack(perf, 1)] = count(); }`, w, { settleMs: 100 });
    expect(formatMap(mapOf(r.maps, "@b"))).toMatch(/^@b\[\n {8}leaf\+0\n {8}outer\+\d+\n\]: 3\n$/);
    expect(formatMap(mapOf(r.maps, "@q"))).toMatch(new RegExp(`^@q\\[\\n\\t[0-9a-f]+ leaf\\+0 \\(${escape(pie)}\\)\\n\\]: 3\\n$`));
    session.dropMap("@b");
    session.dropMap("@q");
  });

  it("ustack(build_id) names each frame by the binary's GNU build-id note and the file offset: leaf's entry, then inside outer and main, non-PIE too", async () => {
    for (const bin of [pie, nopie]) {
      const elf = ElfFile.parse(readFileSync(bin));
      const note = elf.notes().find((n) => n.name === "GNU" && n.type === NT_GNU_BUILD_ID);
      const buildId = Buffer.from(note!.desc).toString("hex");
      expect(buildId).toMatch(/^[0-9a-f]{40}$/);
      const w = await startWorkload(bin, ["5", "300"]);
      const r = await traceWorkload(session, `uprobe:${bin}:leaf /pid == $1/ { @b[ustack(build_id, 3)] = count(); if (arg0 == 0) { print(ustack(build_id, 1)); } }`, w, { settleMs: 100 });
      expect(r.workloadExit).toBe(0);
      const leafAt = symbolFileOffset(elf, "leaf")!;
      // print(): bpftrace's format_build_id_stack, unindented after a newline
      expect(r.text.split("\n").filter((l) => l.includes(" 0x"))).toEqual([`${buildId} 0x${leafAt.toString(16)}`]);
      const b = mapOf(r.maps, "@b");
      expect(b.entries.map((e) => e.value)).toEqual([{ kind: "count", value: 5n }]);
      const key = b.entries[0]!.key[0]!;
      const frames = key.kind === "stack" ? key.frames : [];
      const offsets = frames.map((f) => {
        const m = /^([0-9a-f]{40}) 0x([0-9a-f]+)$/.exec(f);
        expect(m?.[1]).toBe(buildId);
        return Number.parseInt(m![2]!, 16);
      });
      // at leaf's entry its caller's frame is not linked yet: leaf, outer, main
      const inside = (name: string, off: number) => {
        const start = symbolFileOffset(elf, name)!;
        return off > start && off < start + functionSymbols(elf).get(name)!.size;
      };
      expect(offsets[0]).toBe(leafAt);
      expect(inside("outer", offsets[1]!)).toBe(true);
      expect(inside("main", offsets[2]!)).toBe(true);
      expect(formatMap(b)).toBe(`@b[\n${frames.join("\n")}\n]: 5\n`);
      session.dropMap("@b");
    }
  });

  it("*uaddr(\"counter\") reads the probed binary's global (uint32, non-PIE)", async () => {
    const w = await startWorkload(nopie, ["3", "0"]);
    const r = await traceWorkload(session, `uprobe:${nopie}:leaf /pid == $1/ { printf("%d %d\\n", arg0, *uaddr("counter")); }`, w);
    // counter starts at 0x2a and leaf adds i after the read
    expect(r.lines).toEqual(["0 42", "1 42", "2 43"]);
  });

  it("*uaddr(\"counter\") in a PIE adds the load base: the uprobe's ip less the probed function's ELF address", async () => {
    const w = await startWorkload(pie, ["3", "0"]);
    const r = await traceWorkload(session, `uprobe:${pie}:leaf /pid == $1/ { printf("%d %d %d\\n", arg0, *uaddr("counter"), (uint64)uaddr("counter") > 0x10000); }`, w);
    expect(r.lines).toEqual(["0 42 1", "1 42 1", "2 43 1"]);
  });

  it("kaddr is /proc/kallsyms' address; `*` on an integer reads 8 bytes of kernel memory (the task's comm)", async () => {
    const kall = readFileSync("/proc/kallsyms", "utf8").split("\n").find((l) => l.endsWith(" default_banner"))!.split(" ")[0]!;
    const btf = machineEnv().btf()!;
    const comm = btf.member(btf.findByName("task_struct", "struct")!, "comm")!.offsetBits / 8;
    const w = await startWorkload(pie, ["1", "0"]);
    const r = await traceWorkload(session, `uprobe:${pie}:leaf /pid == $1/ { printf("%lx %lx\\n", kaddr("default_banner"), *((uint64)curtask + ${comm})); }`, w);
    const expected = Buffer.alloc(8);
    expected.write("tbfuncs");
    expect(r.lines).toEqual([`${kall.replace(/^0+/, "")} ${expected.readBigUInt64LE().toString(16)}`]);
  });

  it("cgroupid(path) is the cgroup id the kernel reports for this process", async () => {
    const rel = readFileSync("/proc/self/cgroup", "utf8").split("\n").find((l) => l.startsWith("0::"))!.slice(3);
    const text = await collect(session, `BEGIN { printf("%d %d\\n", cgroupid("/sys/fs/cgroup${rel}"), cgroup); exit(); }`);
    const [a, b] = text.trim().split(" ");
    expect(a).toBe(b);
    expect(Number(a)).toBeGreaterThan(0);
  });

  it("username names the current uid from /etc/passwd, in printf and as a map key", async () => {
    const text = await collect(session, 'BEGIN { printf("%s %d\\n", username, uid); exit(); }');
    expect(text).toBe(`${userInfo().username} ${userInfo().uid}\n`);
  });

  it("cgroup_path(id) names a cgroup by its path in each hierarchy, as bpftrace prints it", async () => {
    const base = readFileSync("/proc/mounts", "utf8").split("\n").map((l) => l.split(" ")).find((f) => f[0] === "cgroup2")?.[1];
    expect(base, "a cgroup2 hierarchy is mounted").toBeDefined();
    const name = `tracebook-cgpath-${process.pid}`;
    mkdirSync(join(base!, name));
    try {
      const id = statSync(join(base!, name), { bigint: true }).ino;
      const text = await collect(session, `BEGIN { printf("%s\\n", cgroup_path(${id}, "unified")); @[cgroup_path(${id})] = count(); exit(); }`);
      expect(text).toBe(`unified:/${name}\n`);
    } finally {
      rmdirSync(join(base!, name));
    }
  });

  it("cat prints a file (name formatted like printf); a missing file is an error line", async () => {
    const file = join(dir, "cat-7.txt");
    writeFileSync(file, "line one\nline two\n");
    const text = await collect(session, `BEGIN { cat("${dir}/cat-%d.txt", 7); cat("${dir}/none"); printf("end\\n"); exit(); }`);
    expect(text).toBe(`line one\nline two\nERROR: failed to open file '${dir}/none' (No such file or directory)\nend\n`);
    // max_cat_bytes bounds what is printed (bpftrace's config variable)
    const cut = await collect(session, `config = { max_cat_bytes = 6 } BEGIN { cat("${dir}/cat-%d.txt", 7); printf("|\\n"); exit(); }`);
    expect(cut).toBe("line o|\n");
  });

  it("system() is refused without unsafe (bpftrace's message) and runs the command with it", async () => {
    const err = await collect(session, 'BEGIN { system("echo %d", 42); exit(); }').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompileFailure);
    expect((err as CompileFailure).diagnostics.map((d) => d.message)).toEqual(["system() is an unsafe function being used in safe mode"]);
    expect(await collect(session, 'BEGIN { system("echo %d", 42); printf("after\\n"); exit(); }', { unsafe: true })).toBe("42\nafter\n");
  });

  it("write_user() with --unsafe writes the workload's own memory, or is refused with the reason where the kernel is locked down", async () => {
    const w = await startC(["openat", "1", "/nonexistent/wu-aaaa"]);
    const prog = 'tracepoint:syscalls:sys_enter_openat /pid == $1/ { $ok = write_user(args.filename + 16, "bbbb", 4); printf("%d %d %s\\n", $ok, write_user(0, "x", 1), str(args.filename)); }';
    const r = await traceWorkload(session, prog, w, { unsafe: true }).catch((e: unknown) => e);
    w.kill();
    if (lockedDown()) {
      // kernel/trace/bpf_trace.c withholds the helper under lockdown (this machine's kernel forces integrity)
      expect(r).toBeInstanceOf(VerifierError);
      expect(describeError(r).text).toContain("in plain words: bpf_probe_write_user (write_user()) is withheld while the kernel is locked down");
      return;
    }
    expect((r as Awaited<ReturnType<typeof traceWorkload>>).lines).toEqual(["1 0 /nonexistent/wu-bbbb"]);
  });

  it("hist(n, 2): each power of two split in 4 buckets, printed as bpftrace prints them", async () => {
    const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 20, 100, -1];
    await collect(session, `BEGIN { ${values.map((v) => `@h = hist(${v}, 2);`).join(" ")} exit(); }`);
    const row = (label: string, n: number) => `${label.padEnd(16)}${String(n).padStart(8)} |${"@".repeat(n * 52).padEnd(52)}|\n`;
    const rows = [
      ["(..., 0)", 1], ["[0]", 1], ["[1]", 1], ["[2]", 1], ["[3]", 1], ["[4]", 1], ["[5]", 1], ["[6]", 1], ["[7]", 1],
      ["[8, 10)", 1], ["[10, 12)", 1], ["[12, 14)", 1], ["[14, 16)", 0], ["[16, 20)", 1], ["[20, 24)", 1], ["[24, 28)", 0],
      ["[28, 32)", 0], ["[32, 40)", 0], ["[40, 48)", 0], ["[48, 56)", 0], ["[56, 64)", 0], ["[64, 80)", 0], ["[80, 96)", 0], ["[96, 112)", 1],
    ] as const;
    expect(formatMap(mapOf(session.snapshots(["@h"]), "@h"))).toBe(`@h:\n${rows.map(([l, n]) => row(l, n)).join("")}\n`);
    session.dropMap("@h");
  });
});
