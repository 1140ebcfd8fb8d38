// A decoded, point-in-time copy of one BPF map, as user space sees it after reading
// (per-CPU values already summed). The display layer (magics/display/) and the text
// formatter (bpf/output/) take these; the session produces them from kernel maps.

/** A decoded key part or plain map value. */
export type Value =
  /** An integer; `symbol` is its enum variant's name (bpftrace's Primitive::Symbolic): text prints it, JSON the number. */
  | { readonly kind: "int"; readonly value: bigint; readonly signed: boolean; readonly symbol?: string }
  /** A bool: `true` / `false` in text and JSON. */
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "str"; readonly value: string }
  /** A symbolised stack: frames innermost first, already formatted ("vfs_read+5"). */
  | {
      readonly kind: "stack";
      readonly frames: readonly string[];
      readonly user: boolean;
      readonly mode?: "bpftrace" | "perf" | "raw" | "build_id";
      /** The stack filled its frame limit (kstack(n), or the default depth): its root side may be cut off. */
      readonly truncated?: true;
    }
  | { readonly kind: "tuple"; readonly elements: readonly Value[] }
  /** A struct (bpftrace's Primitive::Record): fields in declaration order. */
  | { readonly kind: "record"; readonly fields: readonly { readonly name: string; readonly value: Value }[] }
  /** A C array (bpftrace's Primitive::Array). */
  | { readonly kind: "array"; readonly elements: readonly Value[] }
  /** Bytes from buf(): printed as \x escapes where not printable. */
  | { readonly kind: "buf"; readonly bytes: Uint8Array }
  /**
   * A value already rendered the way bpftrace prints it (ksym, usym, kaddr, ntop, ...).
   * `origin` names the bpftrace type it came from, where the printing depends on it.
   */
  | { readonly kind: "text"; readonly text: string; readonly origin?: TextOrigin };

/**
 * The bpftrace type a pre-rendered text value came from. bpftrace v0.23 prints map values
 * of type ksym, usym and inet without a newline between entries (`@x[1]: f@x[2]: g`).
 */
export type TextOrigin =
  | "ksym" | "usym" | "kaddr" | "uaddr" | "inet" | "username" | "timestamp"
  | "cgroup_path" | "strerror" | "mac_address" | "probe" | "pointer" | "enum" | "none";

/**
 * log2 histogram buckets as bpftrace lays them out: index 0 holds values < 0, index 1
 * holds 0, index i ≥ 2 holds [2^(i-2), 2^(i-1)). Trailing zero buckets may be omitted.
 */
export interface HistValue {
  readonly kind: "hist";
  readonly buckets: readonly bigint[];
  /**
   * hist(x, k): each power of 2 split into 2^k buckets (0..5, default 0). Index 0 holds
   * values < 0, indexes 1..2^(k+1) hold the single values 0..2^(k+1)-1, and the rest
   * follow bpftrace's hist_index_label(); with k = 0 this is the layout above.
   */
  readonly bits?: number;
}

/**
 * Linear histogram: index 0 holds values < min, index i in 1..n holds
 * [min + (i-1)*step, min + i*step), the last index holds values ≥ max.
 */
export interface LhistValue {
  readonly kind: "lhist";
  readonly min: bigint;
  readonly max: bigint;
  readonly step: bigint;
  readonly buckets: readonly bigint[];
}

/**
 * tseries(): what each interval bucket of one key holds, as bpftrace reduces it
 * (util/tseries.cpp): the newest epoch among the CPUs' copies and its value (the last
 * value set, or the interval's avg/max/min/sum). An interval starts at epoch × intervalNs
 * nanoseconds of CLOCK_TAI (or of BPFTRACE_DUMMY_TS_MAP's clock). A bucket never written
 * since the map was zeroed is epoch 0, value 0. Ascending by epoch.
 */
export interface TSeriesValue {
  readonly kind: "tseries";
  readonly intervalNs: bigint;
  readonly numIntervals: bigint;
  /** The values are int64 (else uint64): where a flat line's bounds stop at the type's range. */
  readonly signed: boolean;
  readonly points: readonly { readonly epoch: bigint; readonly value: bigint }[];
}

export type Aggregate =
  | { readonly kind: "value"; readonly value: Value }
  | { readonly kind: "count" | "sum" | "min" | "max"; readonly value: bigint }
  /** bpftrace prints the integer quotient total/count. */
  | { readonly kind: "avg"; readonly count: bigint; readonly total: bigint }
  | { readonly kind: "stats"; readonly count: bigint; readonly total: bigint }
  | HistValue
  | LhistValue
  | TSeriesValue;

export interface MapEntry {
  /** Empty for a scalar map (`@x = count()`), one Value per key part otherwise. */
  readonly key: readonly Value[];
  readonly value: Aggregate;
}

export interface MapSnapshot {
  readonly name: string; // with the '@', e.g. "@calls", or "@" for the anonymous map
  readonly valueKind: Aggregate["kind"];
  readonly keyed: boolean;
  readonly entries: readonly MapEntry[];
  /** The key expressions as written (`ppid`, `comm`), where known: chart and table headings. */
  readonly keyNames?: readonly string[];
  /** The value's unit where the program makes it plain ("ns", "µs", "bytes"). */
  readonly unit?: string;
}
