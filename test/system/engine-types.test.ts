// The language's own value types against this kernel, as bpftrace HEAD prints them: bool
// (comparisons, `true`, casts, bool keys, values and arrays), program-defined enums
// (symbolised in print, printf %s, maps and tuples; numbers after arithmetic), records
// `(x = 1, y = 2)` (fields, nesting, printing), a ternary of printf()s as a statement, and
// buffers (buf() of literals and arrays, as keys, values, variables, in ternaries, printf
// %r/%rx/%rh, ==). BEGIN programs; every value is exact.
import { afterAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { newSession } from "../helpers/engine.ts";
import { formatMap, formatMapJson } from "../../bpf/output/index.ts";
import * as native from "../../native/index.ts";

describe.skipIf(skipWithoutBpf())("engine: bool, enum, record and buffer values", () => {
  const fdsBefore = native.openFdCount();
  const session = newSession();
  afterAll(() => {
    session.close();
    expect(native.openFdCount()).toBe(fdsBefore);
  });

  // Maps live in the session across runs, as a notebook's do: each test names its own.
  /** The printed lines, then every map as bpftrace prints it at exit (text, or -f json). */
  async function run(source: string, opts: { json?: boolean; positional?: string[] } = {}): Promise<string> {
    let text = "";
    const r = await session.run(source, { origin: "cell[1]", output: (t) => (text += t), positional: opts.positional });
    for (const m of r.maps) text += opts.json ? formatMapJson(m) : formatMap(m);
    return text;
  }

  describe("bool", () => {
    it("literals, comparisons and ! print as true/false; printf %d prints 1/0", async () => {
      expect(await run('BEGIN { print((true, false)); print(1 < 2); print(!1); printf("%d %d %s\\n", 2 == 2, 2 != 2, 3 > 1); exit(); }'))
        .toBe("(true, false)\ntrue\nfalse\n1 0 true\n");
    });

    it("bool map keys and values, and a bool array cast from an integer", async () => {
      expect(await run("BEGIN { @a[true] = false; @b[1 > 2] = (true, 5 == 5); @c = (bool[2])(uint16)1; exit(); }"))
        .toBe("@a[true]: false\n@b[false]: (true, true)\n@c: [true,false]\n");
    });

    it("casts to bool: any non-zero value, a count map included, is true", async () => {
      expect(await run("BEGIN { @n = count(); @z = sum(0); print(((bool)@n, (bool)@z, (bool)7, (bool)0)); clear(@n); clear(@z); exit(); }"))
        .toBe("(true, false, true, false)\n");
    });

    it("a bool from a ternary in a variable; -f json prints true/false", async () => {
      expect(await run("BEGIN { $a = nsecs ? true : false; print($a); @m[true] = false; exit(); }", { json: true }))
        .toBe('true\n{"type": "map", "data": {"@m": {"true": false}}}\n');
    });
  });

  describe("enum", () => {
    it("variants print by name in print, printf %s, map keys, values and tuples; %d prints the number", async () => {
      expect(await run('enum Foo { ONE = 1, TWO, OTHER = ONE + 98 }; BEGIN { $t = (ONE, TWO); print($t); printf("%d %s %-6s|%s\\n", OTHER, OTHER, TWO, ONE); @e[ONE, TWO] = OTHER; exit(); }'))
        .toBe("(ONE, TWO)\n99 OTHER TWO   |ONE\n@e[ONE, TWO]: OTHER\n");
    });

    it("arithmetic, a mix with plain integers and casts to values without a variant print numbers; a cast to a variant's value its name", async () => {
      expect(await run("enum { A = 1, B = 2 }; enum Baz { X = 333 }; BEGIN { $x = 444; print((A + 1, (enum Baz)333, (enum Baz)$x)); @f[A + 1] = B + 1; @f[A] = A; exit(); }"))
        .toBe("(2, X, 444)\n@f[1]: 1\n@f[2]: 3\n");
    });

    it("-f json prints the numbers, printf still the names", async () => {
      expect(await run('enum { A = 7 }; BEGIN { printf("%s\\n", A); @j = A; exit(); }', { json: true })).toBe('A\n{"type": "map", "data": {"@j": 7}}\n');
    });
  });

  it("none: a ternary of two printf calls as a statement runs the chosen branch only", async () => {
    expect(await run('BEGIN { 1 ? printf("yes\\n") : printf("no\\n"); pid == 0 ? printf("zero\\n") : printf("pid\\n"); exit(); }')).toBe("yes\npid\n");
  });

  describe("record", () => {
    it("fields read back, nested records and tuples print as bpftrace prints them, a map value holds one", async () => {
      const src = 'BEGIN { $v = (x = 1, y = 2); $t = (a = 0, b = "str", d = (5, 6), e = $v); printf("%d %s %d %d\\n", $t.a, $t.b, $t.d.1, $t.e.y); print($t); @r[$t.e.x] = (n = 7, s = "s"); exit(); }';
      expect(await run(src)).toBe("0 str 6 2\n{ .a = 0, .b = str, .d = (5, 6), .e = { .x = 1, .y = 2 } }\n@r[1]: { .n = 7, .s = s }\n");
    });

    it("fields evaluate in the order written and land by name when a variable's record lists them in another order", async () => {
      expect(await run('BEGIN { $a = (foo = { printf("1"); 1 }, bar = { printf("2"); 2 }); $a = (bar = { printf("3"); 3 }, foo = { printf("4\\n"); 4 }); print($a); exit(); }'))
        .toBe("1234\n{ .foo = 4, .bar = 3 }\n");
    });
  });

  it("if/else as a value, nested and chained, is the chosen branch's value; as a statement it stays a statement", async () => {
    expect(await run("BEGIN { let $x = 1; let $y = 0; print(if ($x) { if ($y) { 1 } else { 2 } } else { 3 }); $a = if $y { 5 } else if $x { 6 } else { 7 }; print($a); if ($y) { print(8) } else { print(9) } exit(); }"))
      .toBe("2\n6\n9\n");
  });

  it("a string or array indexed at run time reads the element, 0 past the end", async () => {
    expect(await run('BEGIN { $a = "foo"; $n = (uint8[4])(uint32)0x04030201; $i = (uint64)1; $j = (uint64)3; $k = (uint64)10; print(($a[$i], $n[$j], $a[$k], $n[$k])); exit(); }'))
      .toBe("(111, 4, 0, 0)\n");
  });

  it("integer literals: a variable is as narrow as its literal until ++, += or a wider value; a narrow signed integer becomes an address widened with zeros", async () => {
    const src = "BEGIN { $a = 1; $b = -129; $c = 1; $c++; $d = 1; $d += 1; $e = 1; $e = 300; $i = 0; while ($i < 300) { $i++; }" +
      " print((sizeof($a), sizeof($b), sizeof($c), sizeof($d), sizeof($e), $i)); $m = -1; print(((uint8*)-1, (uint16*)-2, (uint8*)-300, (uint8*)$m, (uint8*)(int64)-1, (int64)-1)); exit(); }";
    expect(await run(src)).toBe("(1, 2, 8, 8, 2, 300)\n(0xff, 0xfe, 0xfed4, 0xff, 0xffffffffffffffff, -1)\n");
  });

  it("config() and config are the settings as a record, config = { ... } included", async () => {
    expect(await run('config = { max_strlen = 200; stack_mode = perf } BEGIN { printf("%d %s %d\\n", config().max_strlen, config().stack_mode, config().cpp_demangle); print(config); exit(); }'))
      .toBe("200 perf 1\n{ .max_strlen = 200, .max_map_keys = 4096, .stack_mode = perf, .missing_probes = error, .print_maps_on_exit = true, .max_cat_bytes = 10240, .str_trunc_trailer = .., .cpp_demangle = true }\n");
  });

  describe("buffer", () => {
    it("buf() of literals and arrays as keys, values and variables; %r, %rx, %rh; a ternary of two sizes", async () => {
      const src = [
        'BEGIN { $a = buf("hi", 2); $n = buf((uint8[4])(uint32)0x64636261); $t = nsecs ? buf("yo", 2) : buf("bye", 3);',
        ' printf("%r|%rx|%rh|%r|%r\\n", $a, buf("Hi\\0", 3), buf("Hi\\0", 3), $n, $t);',
        ' @k[buf("key", 4), 1] = buf("value", 5); @p = buf("positional", $1); exit(); }',
      ].join("");
      expect(await run(src, { positional: ["3"] })).toBe("hi|\\x48\\x69\\x00|48 69 00|abcd|yo\n@k[key\\x00, 1]: value\n@p: pos\n");
    });

    it("== and != compare every byte, NULs included; buffers of two sizes are never equal", async () => {
      expect(await run('BEGIN { $a = buf("a\\0b", 3); $b = buf("a\\0c", 3); print(($a == $a, $a == $b, $a != $b, buf("hi", 2) == buf("hi", 3), buf("x", 1) != buf("xy", 2))); exit(); }'))
        .toBe("(true, false, true, false, true)\n");
    });
  });
});
