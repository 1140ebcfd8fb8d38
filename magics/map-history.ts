// The snapshots each cell displayed, by execution count (cell[N]): what %diff compares.
// Recorded at the end of each DSL cell and each %print; kept for the notebook's life.
import type { MapSnapshot } from "../bpf/types/snapshot.ts";

export interface Recorded {
  readonly cell: number;
  readonly snap: MapSnapshot;
}

export class MapHistory {
  readonly #byCell = new Map<number, Map<string, MapSnapshot>>();

  record(origin: string, snap: MapSnapshot): void {
    const cell = cellNumber(origin);
    if (cell === undefined) return;
    let maps = this.#byCell.get(cell);
    if (!maps) this.#byCell.set(cell, (maps = new Map()));
    maps.set(snap.name, snap);
  }

  at(cell: number, name: string): MapSnapshot | undefined {
    return this.#byCell.get(cell)?.get(name);
  }

  /** The latest snapshot of `name` recorded before cell `before` (or at all). */
  latest(name: string, before = Infinity): Recorded | undefined {
    const cells = [...this.#byCell.keys()].filter((c) => c < before).sort((a, b) => b - a);
    for (const cell of cells) {
      const snap = this.at(cell, name);
      if (snap) return { cell, snap };
    }
    return undefined;
  }

  cellsWith(name: string): number[] {
    return [...this.#byCell.keys()].filter((c) => this.at(c, name)).sort((a, b) => a - b);
  }
}

/** "cell[3]" or "3" → 3. */
export function cellNumber(s: string): number | undefined {
  const m = /^(?:cell\[(\d+)\]|(\d+))$/.exec(s.trim());
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/** The notebook's history (one per kernel process, like the session's maps). */
export const mapHistory = new MapHistory();
