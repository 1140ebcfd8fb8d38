// Program-defined structs and unions (bpf/check/c-struct.ts): the C layout rules that
// decide every member's offset — natural alignment, bitfield packing, packed, unions —
// pinned against what gcc computes for the same definitions on x86-64.
import { describe, expect, it } from "vitest";
import { cField, cOffsetOf, layoutStruct, type CRecord } from "../../bpf/check/c-struct.ts";
import { typeName } from "../../bpf/types/types.ts";
import type { StructDef } from "../../bpf/lang/ast.ts";

const span = { line: 1, column: 1, endLine: 1, endColumn: 1, offset: 0, endOffset: 0 } as unknown as StructDef["span"];

function layout(text: string, known: Record<string, CRecord> = {}): CRecord | string {
  const name = /^(struct|union)\s+(\w+)/.exec(text)!;
  return layoutStruct({ kind: "StructDef", name: `${name[1]} ${name[2]}`, text, span }, (n) => known[n], () => 8);
}

function offsets(text: string, known: Record<string, CRecord> = {}): string {
  const r = layout(text, known);
  if (typeof r === "string") return r;
  const fields = (r.fields ?? []).map((f) => `${f.name}:${typeName(f.type)}@${f.offset}${f.bits ? `.${f.bits.shift}/${f.bits.width}` : ""}`);
  return `${fields.join(" ")} size=${r.size} align=${r.align}`;
}

describe("C layout of program structs", () => {
  it.each([
    ["struct a { char c; int i; long l; };", "c:int8@0 i:int32@4 l:int64@8 size=16 align=8"],
    // a pointer to a type the lookup does not know yet is a byte pointer (the checker hands in a placeholder for self-references)
    ["struct b { int id; char name[12]; struct b *next; };", "id:int32@0 name:string[12]@4 next:uint8 *@16 size=24 align=8"],
    ["struct c { unsigned int f : 3; unsigned int g : 9; long long t; };", "f:uint32@0.0/3 g:uint32@0.3/9 t:int64@8 size=16 align=8"],
    ["struct d { unsigned char a : 5; unsigned char b : 5; };", "a:uint8@0.0/5 b:uint8@1.0/5 size=2 align=1"],
    ["struct e { char c; int i; } __attribute__((packed));", "c:int8@0 i:int32@1 size=5 align=1"],
    ["struct e2 { char c; int i; } /**/ __attribute__ /* why */ ((packed));", "c:int8@0 i:int32@1 size=5 align=1"],
    ["union f { int a; long b; char s[3]; };", "a:int32@0 b:int64@0 s:string[3]@0 size=8 align=8"],
    ["struct g { short x, y; unsigned long long z[2]; };", "x:int16@0 y:int16@2 z:uint64[2]@8 size=24 align=8"],
    ["struct h { const char *p; void (*fn)(int, long); };", "p:int8 *@0 fn:uint8 *@8 size=16 align=8"],
    // nested definitions: a member of the inner type, or (no declarator) the inner members themselves
    ["struct i { char c; struct Bar { short x; int y; } bar; char d; };", "c:int8@0 bar:struct Bar@4 d:int8@12 size=16 align=4"],
    ["struct j { struct { int m[1] } y; union { char a; long b; }; };", "y:struct j::(anonymous 1)@0 a:int8@8 b:int64@8 size=16 align=8"],
    // float and double are bpftrace's none type: they keep their bytes and print as null
    // only plain char arrays are strings (bpftrace's clang parser): signed and unsigned char ones are integer arrays
    ["struct l { char s[4]; unsigned char u[4]; signed char i[2]; };", "s:string[4]@0 u:uint8[4]@4 i:int8[2]@8 size=10 align=1"],
    ["struct k { char c; float f; double d; int i; };", "c:int8@0 f:none@4 d:none@8 i:int32@16 size=24 align=8"],
  ])("%s", (text, want) => {
    expect(offsets(text)).toBe(want);
  });

  it("embeds earlier definitions by value with their alignment", () => {
    const inner = layout("struct in { short a; char b; };") as CRecord;
    expect(offsets("struct out { char c; struct in i; int z; };", { "struct in": inner })).toBe("c:int8@0 i:struct in@2 z:int32@8 size=12 align=4");
  });

  it("says what it cannot read", () => {
    expect(layout("struct x { struct { mystery_t a; } inner; };")).toBe("struct x::(anonymous 1): unknown type 'mystery_t' of member 'a'");
    expect(layout("struct x { mystery_t m; };")).toBe("struct x: unknown type 'mystery_t' of member 'm'");
  });
});

describe("offsetof of program structs", () => {
  it("walks nested members", () => {
    const r = layout("struct k { int x; struct Bar { char c; long x; } bar; };") as CRecord;
    expect(cOffsetOf(r, ["x"])).toBe(0);
    expect(cOffsetOf(r, ["bar", "x"])).toBe(16);
    expect(cOffsetOf(r, ["bar", "z"])).toBe("struct Bar has no member 'z'");
  });
});

describe("members of a struct in user memory", () => {
  it("pointers inside an array member point into user memory too", () => {
    const r = layout("struct c { int *z[4]; int *p; };") as CRecord;
    const z = cField({ ...r, user: true }, "z")!.type;
    expect(z.k === "array" && z.element.k === "ptr" && z.element.user).toBe(true);
    const k = cField(r, "z")!.type;
    expect(k.k === "array" && k.element.k === "ptr" && k.element.user).toBe(false);
  });
});
