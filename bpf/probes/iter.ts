// iter:task, iter:task_file, iter:task_vma — BPF iterators (5.8). The program is
// BPF_PROG_TYPE_TRACING with expected_attach_type BPF_TRACE_ITER and the attach_btf_id of
// the FUNC `bpf_iter_<name>` in vmlinux BTF; `ctx` is `struct bpf_iter__<name> *`, typed
// through BTF (ctx.task, ctx.file, ctx.vma, ctx.fd). The run links it (BPF_LINK_CREATE) and
// reads it once to the end (BPF_ITER_CREATE + read: bpf/runtime/iterate.ts): an iterator
// program is the whole run, as in bpftrace. Pinning (`iter:task:PIN`) is not supported.
// `-l iter:*` lists every iterator this kernel's BTF has (struct bpf_iter__<name>), as
// bpftrace does, though only the three below attach.
import { AttachType, ProgType } from "../types/abi.ts";
import { btfNamedType } from "../btf/btf-types.ts";
import type { Provider } from "./provider.ts";
import { fail } from "./provider.ts";
import { noArgs } from "./args.ts";

/** The iterators bpftrace documents (docs/language.md, "iterator"). */
export const ITERATORS = ["task", "task_file", "task_vma"] as const;

export const iter: Provider = {
  name: "iter",
  firesNewestFirst: true,
  aliases: ["it"],
  space: "kernel",
  paths: true, // iter:task:PIN names a bpffs path
  args: noArgs,
  listing: {
    walk: "kernel",
    pattern: "name",
    candidates(env) {
      const btf = env.btf();
      if (!btf) return [];
      return btf.namesOfKind("struct")
        .filter((n) => n.startsWith("bpf_iter__") && !n.endsWith("__safe_trusted"))
        .map((n) => n.slice("bpf_iter__".length));
    },
    params(env, match) {
      const btf = env.btf();
      const sig = btf?.funcProto(`bpf_iter_${match}`);
      // Without `struct bpf_iter_meta *meta` (first) and the return value.
      return btf && sig ? sig.params.slice(1).map((p) => `${btf.typeName(p.typeId)} ${p.name}`) : [];
    },
  },
  expand(ap, env) {
    const [name, pin] = ap.parts;
    if (!name) return fail("iterator probes look like iter:task, iter:task_file or iter:task_vma");
    if (pin !== undefined) return fail(`iter:${name}:${pin}: pinning iterators is not supported`);
    if (!ITERATORS.includes(name as (typeof ITERATORS)[number])) {
      return fail(`iter:${name}: unknown iterator`, [`supported: ${ITERATORS.join(", ")}`]);
    }
    const btfId = env.btfId(`bpf_iter_${name}`, "func");
    if (btfId === undefined) return fail(`iter:${name}: this kernel has no bpf_iter_${name} in its BTF (iterators need 5.8 and /sys/kernel/btf/vmlinux)`);
    const btf = env.btf?.();
    const rec = btf ? btfNamedType(btf, `struct bpf_iter__${name}`, false) : undefined;
    if (!rec) return fail(`iter:${name}: no struct bpf_iter__${name} in the kernel's BTF`);
    return {
      ok: true,
      probes: [
        {
          provider: "iter",
          name: `iter:${name}`,
          progType: ProgType.TRACING,
          expectedAttachType: AttachType.TRACE_ITER,
          attachBtfId: btfId,
          context: "iter",
          ctx: { k: "ptr", to: rec, user: false },
          attach: { kind: "iter", name },
        },
      ],
    };
  },
};
