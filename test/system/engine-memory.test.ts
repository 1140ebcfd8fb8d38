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

  it("&$x is the address of the variable's slot: *(&$x) reads its current value, a tuple whole, a string through (int8 *), a struct over an integer's bytes", async () => {
    const prog = `struct bits { unsigned long long a:1; unsigned long long b:1; unsigned long long c:2; }
BEGIN {
  $a = 1; $p = &$a; $a = 5;
  $t = (1, "hello", 2);
  $s = "hey"; $c = (int8 *)&$s;
  $v = (uint64)0x1e;
  print(($p, *$p));
  print(*(&$t));
  printf("%c %c %c\\n", *$c, *++$c, *($c + 1));
  print(*(struct bits *)(&$v));
  exit();
}`;
    const r = await traceWorkload(session, prog, undefined, { origin: "cell[1]" });
    expect(r.lines).toHaveLength(4);
    expect(r.lines[0]).toMatch(/^\(0x[0-9a-f]{8,}, 5\)$/);
    expect(r.lines.slice(1)).toEqual(["(1, hello, 2)", "h e y", "{ .a = 0, .b = 1, .c = 3 }"]);
  });

  it("&$x is the same number inside a for loop over a map, for a stack slot and a large (scratch) variable alike, and can be stored in a map", async () => {
    const prog = `BEGIN {
  $x = 3; $t = ("${"x".repeat(80)}", "end"); // over 64 bytes: a scratch slot
  $p = &$x; $q = &$t; @m[1] = 1; @p = $p;
  for ($kv : @m) { $x = 4; printf("%d %d %s %d\\n", $p == &$x, *(&$x), (*$q).1, &$t == $q); }
  printf("%d %d\\n", *@p, @p == $p);
  exit();
}`;
    const r = await traceWorkload(session, prog, undefined, { origin: "cell[1]" });
    expect(r.lines).toEqual(["1 4 end 1", "4 1"]);
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

  it("an array of structs held in a variable or a map value: members of its elements by a constant or run-time index, 0 past the end", async () => {
    const w = await startC(["struct", "1"]);
    const prog = `struct P { int id; struct Q { short a; short b; } q[3]; }
uprobe:${workloadBinary()}:handleStruct {
  $p = (struct P *)arg0; $q = $p->q; @q[1] = $p->q; $i = 1; $far = 5;
  printf("%d %d %d %d %d\\n", $q[0].a, $q[0].b, $q[$i].a, $q[$far].a, @q[1][0].b);
}`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[5]" });
    expect(r.lines).toEqual(["27745 26736 97 0 26736"]);
  });

  it("a let-declared struct pointer in a uprobe points into user memory, as the probe's casts do", async () => {
    const w = await startC(["struct", "1"]);
    const prog = `struct Q { short a; short b; } struct P { int id; struct Q q[3]; }
uprobe:${workloadBinary()}:handleStruct {
  let $p : struct P *; let $q : struct Q[3];
  $p = (struct P *)arg0; $q = $p->q;
  printf("%d %d %d\\n", $p->id, $p->q[0].b, $q[1].a);
}`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[6]" });
    expect(r.lines).toEqual(["7 26736 97"]);
  });
});
