// The generator as a probe kind sees it when it reads its arguments (bpf/probes/args.ts:
// arg0.., args.FIELD, retval): emit, the stack, the readers, and an error at the
// expression being generated.
import type { ArgCode } from "../probes/index.ts";
import type { Span } from "../types/span.ts";
import type { GenContext } from "./emit-context.ts";
import { CodegenError } from "../types/errors.ts";

export function argCode(g: GenContext, span: Span): ArgCode {
  return {
    emit: (...insns) => g.e.emit(...insns),
    loadConst: (v) => g.loadConst(v),
    loadScalar: (dst, src, off, t) => g.loadScalar(dst, src, off, t),
    truncate: (r, t) => g.truncate(r, t),
    readPointer: (r, off, t, user) => g.readPointer(r, off, t, user),
    zero: (off, size) => g.e.zero(off, size),
    stackAddr: (reg, off) => g.e.stackAddr(reg, off),
    copy: (dst, dstOff, src, srcOff, size) => g.e.copy(dst, dstOff, src, srcOff, size),
    fail: (message) => {
      throw new CodegenError(message, span);
    },
  };
}
