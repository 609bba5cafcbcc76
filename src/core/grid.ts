/** A grid point: one task at one input length (and, with --trials, one of its independent trials). */
export interface GridPoint {
  readonly fn: string;
  readonly length: number;
  /** 1-based trial; absent means trial 1 (a run without --trials has only that one). */
  readonly trial?: number;
}

/** The trial of a point or record: absent is 1. */
export const trialOf = (p: { readonly trial?: number | undefined }): number => p.trial ?? 1;

export const gridPointKey = (p: GridPoint): string =>
  `${p.fn}|L=${p.length}${trialOf(p) > 1 ? `|T=${trialOf(p)}` : ""}`;

/** The points without their trials: one per (task, length), in first-seen order (one dataset each). */
export function distinctPoints(points: readonly GridPoint[]): GridPoint[] {
  const seen = new Map<string, GridPoint>();
  for (const p of points) {
    const key = `${p.fn}|L=${p.length}`;
    if (!seen.has(key)) seen.set(key, { fn: p.fn, length: p.length });
  }
  return [...seen.values()];
}

/**
 * Each point repeated as `trials` independent trials (own attempts, early stop and ERM selection, same
 * dataset). Trial 1 is the point itself, so a run without --trials is trial 1 of a run with them.
 */
export function expandTrials(points: readonly GridPoint[], trials: number): GridPoint[] {
  if (trials <= 1) return [...points];
  return points.flatMap((p) =>
    Array.from({ length: trials }, (_, i) => (i === 0 ? p : { ...p, trial: i + 1 })),
  );
}
