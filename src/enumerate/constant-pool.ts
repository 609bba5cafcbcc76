/**
 * Substring constants for `t in x`, taken from the training inputs (data-driven, bounded): every
 * substring of length 1..maxLength that occurs in at least two training inputs (one, if there is a
 * single input), the `limit` most frequent kept, then ordered by length and text.
 */
export function substringPool(inputs: readonly string[], maxLength = 8, limit = 512): string[] {
  const docFreq = new Map<string, number>();
  for (const x of inputs) {
    const seen = new Set<string>();
    for (let len = 1; len <= maxLength; len++) {
      for (let i = 0; i + len <= x.length; i++) seen.add(x.slice(i, i + len));
    }
    for (const t of seen) docFreq.set(t, (docFreq.get(t) ?? 0) + 1);
  }
  const minFreq = inputs.length > 1 ? 2 : 1;
  const kept = [...docFreq].filter(([, f]) => f >= minFreq);
  kept.sort((p, q) => q[1] - p[1] || p[0].length - q[0].length || compare(p[0], q[0]));
  return kept
    .slice(0, limit)
    .map(([t]) => t)
    .sort((p, q) => p.length - q.length || compare(p, q));
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
