/** A grid point: one task at one input length. */
export interface GridPoint {
  readonly fn: string;
  readonly length: number;
}

export const gridPointKey = (p: GridPoint): string => `${p.fn}|L=${p.length}`;
