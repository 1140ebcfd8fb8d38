// The type names a program may write in casts, declarations and sizeof: bpftrace's own
// (uint32, string) and the C spellings it accepts (unsigned long, pid_t). Kernel and
// program-defined types are looked up elsewhere (btf-types.ts, c-struct.ts).
import { type Type, bool, int, str } from "../types/types.ts";

const NAMED: Record<string, Type> = {
  int8: int(8, true), int16: int(16, true), int32: int(32, true), int64: int(64, true),
  uint8: int(8, false), uint16: int(16, false), uint32: int(32, false), uint64: int(64, false),
  u8: int(8, false), u16: int(16, false), u32: int(32, false), u64: int(64, false),
  s8: int(8, true), s16: int(16, true), s32: int(32, true), s64: int(64, true),
  char: int(8, true), "unsigned char": int(8, false), short: int(16, true), "unsigned short": int(16, false),
  int: int(32, true), "unsigned int": int(32, false), unsigned: int(32, false), long: int(64, true),
  "unsigned long": int(64, false), "long long": int(64, true), "unsigned long long": int(64, false),
  size_t: int(64, false), ssize_t: int(64, true), pid_t: int(32, true), uid_t: int(32, false),
  bool: bool, string: str(),
};

export function namedType(name: string): Type | undefined {
  return NAMED[name];
}
