// printf's %gr: a gfp_t as the kernel's tracepoints name it (include/trace/events/mmflags.h,
// __def_gfpflag_names), as bpftrace's util/gfp_flags.cpp does: compound masks first, in this
// order, each taking its bits; bits no name covers are left as hex (GFP_KERNEL|0x200000000).

/** The bit numbers of linux/gfp_types.h (___GFP_*_BIT; 4 is RECLAIMABLE, 9 unused). */
const BITS = { DMA: 0, HIGHMEM: 1, DMA32: 2, MOVABLE: 3, HIGH: 5, IO: 6, FS: 7, ZERO: 8, DIRECT_RECLAIM: 10, KSWAPD_RECLAIM: 11, WRITE: 12, NOWARN: 13, RETRY_MAYFAIL: 14, NOFAIL: 15, NORETRY: 16, MEMALLOC: 17, COMP: 18, NOMEMALLOC: 19, HARDWALL: 20, THISNODE: 21, ACCOUNT: 22, ZEROTAGS: 23, SKIP_ZERO: 24, SKIP_KASAN: 25, NO_OBJ_EXT: 26 } as const;
const F = Object.fromEntries(Object.entries(BITS).map(([k, n]) => [k, 1n << BigInt(n)])) as Record<keyof typeof BITS, bigint>;
const { DMA, HIGHMEM, DMA32, MOVABLE, HIGH, IO, FS, ZERO, DIRECT_RECLAIM, KSWAPD_RECLAIM, WRITE, NOWARN, RETRY_MAYFAIL, NOFAIL, NORETRY, MEMALLOC, COMP, NOMEMALLOC, HARDWALL, THISNODE, ACCOUNT, ZEROTAGS, SKIP_ZERO, SKIP_KASAN, NO_OBJ_EXT } = F;

const RECLAIM = DIRECT_RECLAIM | KSWAPD_RECLAIM;
const ATOMIC = HIGH | KSWAPD_RECLAIM;
const KERNEL = RECLAIM | IO | FS;
const NOWAIT = KSWAPD_RECLAIM | NOWARN;
const NOIO = RECLAIM;
const NOFS = NOIO | IO;
const USER = NOFS | FS | HARDWALL;
const HIGHUSER = USER | HIGHMEM;
const HIGHUSER_MOVABLE = HIGHUSER | MOVABLE | SKIP_KASAN;
const TRANSHUGE_LIGHT = (HIGHUSER_MOVABLE | COMP | NOMEMALLOC | NOWARN) & ~RECLAIM;
const TRANSHUGE = TRANSHUGE_LIGHT | DIRECT_RECLAIM;

const NAMES: readonly [bigint, string][] = [
  [TRANSHUGE, "GFP_TRANSHUGE"],
  [TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT"],
  [HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE"],
  [HIGHUSER, "GFP_HIGHUSER"],
  [USER, "GFP_USER"],
  [KERNEL | ACCOUNT, "GFP_KERNEL_ACCOUNT"],
  [KERNEL, "GFP_KERNEL"],
  [NOFS, "GFP_NOFS"],
  [ATOMIC, "GFP_ATOMIC"],
  [NOIO, "GFP_NOIO"],
  [NOWAIT, "GFP_NOWAIT"],
  [DMA, "GFP_DMA"],
  [HIGHMEM, "__GFP_HIGHMEM"],
  [DMA32, "GFP_DMA32"],
  [HIGH, "__GFP_HIGH"],
  [IO, "__GFP_IO"],
  [FS, "__GFP_FS"],
  [ZERO, "__GFP_ZERO"],
  [DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM"],
  [KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM"],
  [WRITE, "__GFP_WRITE"],
  [NOWARN, "__GFP_NOWARN"],
  [RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL"],
  [NOFAIL, "__GFP_NOFAIL"],
  [NORETRY, "__GFP_NORETRY"],
  [MEMALLOC, "__GFP_MEMALLOC"],
  [COMP, "__GFP_COMP"],
  [NOMEMALLOC, "__GFP_NOMEMALLOC"],
  [HARDWALL, "__GFP_HARDWALL"],
  [THISNODE, "__GFP_THISNODE"],
  [ACCOUNT, "__GFP_ACCOUNT"],
  [ZEROTAGS, "__GFP_ZEROTAGS"],
  [SKIP_ZERO, "__GFP_SKIP_ZERO"],
  [SKIP_KASAN, "__GFP_SKIP_KASAN"],
  [NO_OBJ_EXT, "__GFP_NO_OBJ_EXT"],
];

/** "GFP_KERNEL|__GFP_ZERO", "0" for none. */
export function gfpFlagsText(flags: bigint): string {
  let rest = BigInt.asUintN(64, flags);
  if (rest === 0n) return "0";
  const parts: string[] = [];
  for (const [mask, name] of NAMES) {
    if ((rest & mask) === mask) {
      parts.push(name);
      rest &= ~mask;
    }
  }
  if (rest !== 0n) parts.push(`0x${rest.toString(16)}`);
  return parts.join("|");
}
