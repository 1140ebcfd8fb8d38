// The fd-leak check over fake fd lists, and once over a real leaked BPF map fd.
import { describe, expect, it } from "vitest";
import { isTracebookFd, leakedFds, leakMessage, type OpenFd } from "../helpers/fd-leak.ts";

const base: OpenFd[] = [
  { fd: 0, target: "/dev/null" },
  { fd: 3, target: "anon_inode:[eventpoll]" },
  { fd: 7, target: "anon_inode:bpf-map" },
];

describe("fd-leak check", () => {
  it("kinds: BPF objects, perf events, tracefs and bpffs files count; node's own do not", () => {
    for (const t of ["anon_inode:bpf-map", "anon_inode:bpf-prog", "anon_inode:bpf_link", "anon_inode:[perf_event]", "/sys/kernel/tracing/trace_pipe", "/sys/fs/bpf/x"]) expect(isTracebookFd(t), t).toBe(true);
    for (const t of ["socket:[1]", "pipe:[2]", "anon_inode:[eventfd]", "anon_inode:[eventpoll]", "/work/x.ts", "/dev/null"]) expect(isTracebookFd(t), t).toBe(false);
  });

  it("nothing new, or fewer fds, is no leak", () => {
    expect(leakedFds(base, base)).toEqual([]);
    expect(leakedFds(base, base.slice(0, 1))).toEqual([]);
    expect(leakedFds(base, [...base, { fd: 9, target: "socket:[5]" }])).toEqual([]);
  });

  it("a new BPF or perf fd is a leak, also when it reuses a closed fd's number", () => {
    const after = [...base, { fd: 8, target: "anon_inode:bpf-prog" }, { fd: 9, target: "anon_inode:[perf_event]" }];
    expect(leakedFds(base, after).map((f) => f.fd)).toEqual([8, 9]);
    expect(leakedFds(base, [base[0]!, base[1]!, { fd: 7, target: "anon_inode:bpf_link" }])).toEqual([{ fd: 7, target: "anon_inode:bpf_link" }]);
    expect(leakMessage("t.ts", [{ fd: 8, target: "anon_inode:bpf-prog" }])).toBe("t.ts leaked 1 fd(s): 8 -> anon_inode:bpf-prog");
  });
});
