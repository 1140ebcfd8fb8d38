// The notebook's map registry: what every `@map` is, across cells.
//
// Maps are notebook-global by name (DESIGN.md). The first cell that writes `@x` fixes its
// kind (count, hist, plain value, ...) and its key and value types; a later cell that uses
// `@x` in a conflicting way gets a TypeError naming that cell. Integer widths and string
// sizes may grow only where the kernel map has not been created yet.
import { compatible, typeName } from "../types/types.ts";
import { type MapInfo, describeMap } from "../types/map-info.ts";
import { aggregations } from "../functions/index.ts";

/** Checks that `next` (a use in a new cell) agrees with `prev`; returns a message or null. */
export function conflict(prev: MapInfo, next: MapInfo): string | null {
  if (prev.valueKind !== next.valueKind) {
    return `${next.name} is ${describeMap(prev)} (defined in ${prev.origin}); it cannot also be ${describeMap(next)}`;
  }
  if (prev.keyTypes.length !== next.keyTypes.length) {
    return `${next.name} has ${prev.keyTypes.length} key(s) (defined in ${prev.origin}), not ${next.keyTypes.length}`;
  }
  for (let i = 0; i < prev.keyTypes.length; i++) {
    if (!compatible(prev.keyTypes[i]!, next.keyTypes[i]!)) {
      return `${next.name} key ${i + 1} is ${typeName(prev.keyTypes[i]!)} (defined in ${prev.origin}), not ${typeName(next.keyTypes[i]!)}`;
    }
  }
  if (prev.valueKind === "value" && !compatible(prev.valueType, next.valueType)) {
    return `${next.name} holds ${typeName(prev.valueType)} (defined in ${prev.origin}), not ${typeName(next.valueType)}`;
  }
  return aggregations.get(prev.valueKind)?.conflict?.(prev, next) ?? null;
}

/** The session's registry. Compile reads it; the runtime adds to it once a program loads. */
export class MapRegistry {
  readonly #maps = new Map<string, MapInfo>();

  get(name: string): MapInfo | undefined {
    return this.#maps.get(name);
  }

  set(info: MapInfo): void {
    this.#maps.set(info.name, info);
  }

  delete(name: string): void {
    this.#maps.delete(name);
  }

  names(): string[] {
    return [...this.#maps.keys()].sort();
  }

  all(): MapInfo[] {
    return [...this.#maps.values()];
  }
}
