// Runtime errors → what the user sees: a Jupyter ename and a plain-words text. Verifier
// rejections get the short reason, an explanation of the usual causes, and the log's tail.
import { SyscallError, VerifierError } from "../native/index.ts";
import { AttachError } from "./probes/attach.ts";
import { CompileFailure } from "./types/errors.ts";
import { AsmError } from "./asm/index.ts";

export interface DescribedError {
  readonly ename: string;
  readonly evalue: string;
  readonly text: string;
}

const EXPLAIN: [RegExp, string][] = [
  [/invalid mem access 'map_value_or_null'|R\d+ invalid mem access 'scalar'/, "a map value was used without checking the lookup for NULL"],
  [/back-edge|infinite loop|loop is not bounded|BPF program is too large/, "a loop the verifier cannot prove to end (bound it with a constant, or use unroll())"],
  [/combined stack size|stack limit|invalid (?:indirect )?(?:read|write) from stack/, "the program uses more than the 512 bytes of BPF stack (too many or too long strings at once)"],
  [/invalid access to map value|invalid access to memory|out of bounds/, "a read or write outside the bounds the verifier can prove"],
  [/unknown func|program of this type cannot use helper/, "a helper this probe type cannot call"],
];

export function explainVerifier(log: string): string | undefined {
  for (const [re, why] of EXPLAIN) if (re.test(log)) return why;
  return undefined;
}

export function describeError(e: unknown): DescribedError {
  if (e instanceof CompileFailure) {
    const kind = e.diagnostics.find((d) => d.severity === "error")?.kind ?? "ParseError";
    const first = e.diagnostics.find((d) => d.severity === "error");
    return { ename: kind, evalue: first?.message ?? "error", text: e.rendered };
  }
  if (e instanceof VerifierError) {
    const why = explainVerifier(e.log);
    const tail = e.log.trim().split("\n").slice(-12).join("\n");
    const text = [`ERROR: ${e.message}`, ...(why ? [`in plain words: ${why}`] : []), "verifier log (last lines):", tail].join("\n");
    return { ename: "VerifierError", evalue: e.message, text };
  }
  if (e instanceof SyscallError) {
    const ename = e.code === "EPERM" || e.code === "EACCES" ? "PermissionError" : "SyscallError";
    return { ename, evalue: e.message, text: [`ERROR: ${e.message}`, ...e.hints.map((h) => `hint: ${h}`)].join("\n") };
  }
  if (e instanceof AttachError) {
    return { ename: "AttachError", evalue: e.message, text: [`ERROR: ${e.message}`, ...e.hints.map((h) => `hint: ${h}`)].join("\n") };
  }
  if (e instanceof AsmError) return { ename: "CodegenError", evalue: e.message, text: `ERROR: internal codegen error: ${e.message}` };
  const err = e as Error;
  return { ename: err?.name ?? "Error", evalue: err?.message ?? String(e), text: `ERROR: ${err?.message ?? String(e)}` };
}
