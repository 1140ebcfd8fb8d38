// Memory the way C sees it, live: pointer arithmetic scaled by the element size (as
// bpftrace and C do it), pointers stored in maps and variables, printed as addresses.
import { afterAll, describe, expect, it } from "vitest";
import { formatMap } from "../../bpf/output/index.ts";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startC, workloadBinary } from "../helpers/workload.ts";
import { mapOf, newSession, traceWorkload } from "../helpers/engine.ts";

describe.skipIf(skipWithoutBpf())("engine: pointers", () => {
  const session = newSession();
  afterAll(() => session.close());

  it("p + n, p - n, n + p, p++, p += n move by n elements", async () => {
    const prog = `struct A { int a; int b; char c[28]; }
BEGIN {
  $p = (int32 *)16; $q = $p; $q++; ++$q; $q += 2; $q -= 1;
  $s = (struct A *)1024;
  printf("%d %d %d %d %d\\n", $q, 1 + $p, $p - 1, $s - 5, $s + 1);
  @w = (int16 *)0x32; @w++; @w += 2; @w -= 1;
  @d = (int64 *)0x40; @d--;
  @v = (uint8 *)0x10; @v += 3;
  exit();
}`;
    const r = await traceWorkload(session, prog, undefined, { origin: "cell[1]" });
    expect(r.lines).toEqual(["28 20 12 844 1060"]);
    expect(formatMap(mapOf(r.maps, "@w"))).toBe("@w: 0x36\n");
    expect(formatMap(mapOf(r.maps, "@d"))).toBe("@d: 0x38\n");
    expect(formatMap(mapOf(r.maps, "@v"))).toBe("@v: 0x13\n");
  });
});

describe.skipIf(skipWithoutBpf())("engine: program structs over kernel names", () => {
  const session = newSession();
  afterAll(() => session.close());

  it("a struct the program defines with a kernel struct's name is read by the program's definition (curtask.x)", async () => {
    const prog = `struct task_struct { int x; int y; }
BEGIN { printf("%d %d\\n", curtask->y == *((int32 *)curtask + 1), curtask.x == *(int32 *)curtask); exit(); }`;
    const r = await traceWorkload(session, prog, undefined, { origin: "cell[1]" });
    expect(r.lines).toEqual(["1 1"]);
  });

  it("a uint8_t array member is an integer array: cast whole to an integer of its size, or indexed", async () => {
    const prog = `struct T { uint8_t b[4]; char s[4]; }
BEGIN { $t = (struct T *)curtask; printf("%d %d\\n", (uint32)$t->b == *(uint32 *)curtask, $t->b[1] == *((uint8 *)curtask + 1)); exit(); }`;
    const r = await traceWorkload(session, prog, undefined, { origin: "cell[1]" });
    expect(r.lines).toEqual(["1 1"]);
  });
});

describe.skipIf(skipWithoutBpf())("engine: variables", () => {
  const session = newSession();
  afterAll(() => session.close());

  it("a variable belongs to its block: the same name later, or under let, is a new variable, 0 until assigned", async () => {
    const prog = `BEGIN {
  @a[1] = 1;
  if (1) { $x = "abc"; printf("%s\\n", $x); }
  for $kv : @a { $x = 2; printf("%d\\n", $x); }
  let $x;
  if (0) { $x = 3; }
  printf("%d\\n", $x);
  $y = 7;
  if (1) { let $y = "in"; printf("%s\\n", $y); }
  printf("%d\\n", $y);
  exit();
}`;
    const r = await traceWorkload(session, prog, undefined, { origin: "cell[1]" });
    expect(r.lines).toEqual(["abc", "2", "0", "in", "7"]);
  });
});

describe.skipIf(skipWithoutBpf())("engine: tuples", () => {
  const session = newSession();
  afterAll(() => session.close());

  it("are laid out at their elements' widths; a variable's strings grow with a later tuple; $t[i] reads element i", async () => {
    const prog = `BEGIN {
  $s = ((int8)-100, (int8)100, "abcdef", 3, (int32)1, (int64)-10, (int8)10, (int16)-555, "abc");
  print(sizeof($s));
  $a = ("hi", (1, 2));
  print($a);
  $a = ("hellolongstr", (300, -4));
  print($a);
  print($a[1 + 0]);
  @m[$s[7], $s[2]] = $s[5];
  exit();
}`;
    const r = await traceWorkload(session, prog, undefined, { origin: "cell[1]" });
    expect(r.lines).toEqual(["32", "(hi, (1, 2))", "(hellolongstr, (300, -4))", "(300, -4)"]);
    expect(formatMap(mapOf(r.maps, "@m"))).toBe("@m[-555, abcdef]: -10\n");
  });
});

describe.skipIf(skipWithoutBpf())("engine: arrays", () => {
  const session = newSession();
  afterAll(() => session.close());

  it("an array of arrays: a[i][j] read whole from memory, from a variable, and a row stored in a map", async () => {
    // the workload's struct request is { int id; char name[12] = "alpha"; ... }: its name as short[3][2]
    const w = await startC(["struct", "2"]);
    const prog = `struct V { int id; short n[3][2]; }
uprobe:${workloadBinary()}:handleStruct {
  $n = ((struct V *)arg0).n;
  printf("%d %d\\n", ((struct V *)arg0).n[0][1], $n[1][0]);
  @row = $n[0];
}`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[1]" });
    expect(r.lines).toEqual(["26736 97", "26736 97"]);
    expect(formatMap(mapOf(r.maps, "@row"))).toBe("@row: [27745,26736]\n");
  });

  it("arrays of the same type compare with == and != byte for byte", async () => {
    const w = await startC(["struct", "1"]);
    const prog = `struct V { int id; short n[3][2]; }
uprobe:${workloadBinary()}:handleStruct {
  $a = (struct V *)arg0; $n = $a.n;
  printf("%d %d %d %d\\n", $a.n == $n, $n[0] == $a.n[0], $n[0] != $n[1], $n[1] == $n[2]);
}`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[2]" });
    expect(r.lines).toEqual(["1 1 1 0"]);
  });

  it("an index known only at run time reads a member array in place, a copy within its bounds (0 beyond); a flexible array reads in place", async () => {
    const w = await startC(["struct", "1"]);
    const prog = `struct W { int id; unsigned short w[6]; } struct F { int id; short w[0]; }
uprobe:${workloadBinary()}:handleStruct {
  $a = (struct W *)arg0; $i = 2; $far = 100; $b = $a->w;
  printf("%d %d %d %d\\n", $a->w[$i], $b[$i], $b[$far], ((struct F *)arg0)->w[1]);
}`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[3]" });
    expect(r.lines).toEqual(["97 97 0 26736"]);
  });

  it("a member of an element of a member array of structs is read in place, by a constant or run-time index", async () => {
    const w = await startC(["struct", "1"]);
    const prog = `struct P { int id; struct Q { short a; short b; } q[3]; }
uprobe:${workloadBinary()}:handleStruct {
  $p = (struct P *)arg0; $i = 1;
  printf("%d %d %d\\n", $p->q[1].a, $p->q[0].b, $p->q[$i].a + $p->q[$i].b);
}`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[4]" });
    expect(r.lines).toEqual(["97 26736 97"]);
  });
});
