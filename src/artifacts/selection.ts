/** The facts ERM selection looks at. */
export interface Scored {
  readonly attempt: number;
  readonly val_acc: number | null;
  readonly train_acc: number | null;
}

/**
 * ERM: the best validation accuracy; ties by training accuracy, then the earlier attempt. Attempts
 * with nothing scored (failed calls) never win. Undefined when no attempt was scored.
 */
export function selectErm<T extends Scored>(attempts: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const a of attempts) {
    if (a.val_acc === null) continue;
    if (best === undefined || better(a, best)) best = a;
  }
  return best;
}

/**
 * NOT ERM: the best test accuracy (ties by the earlier attempt). The authors' later runner reports
 * this; it looks at the test split to choose, so it is optimistic. Only `report
 * --select-by-test-accuracy` uses it, and says so.
 */
export function selectByTestAccuracy<T extends Scored & { readonly test_acc: number | null }>(
  attempts: readonly T[],
): T | undefined {
  let best: T | undefined;
  for (const a of attempts) {
    if (a.test_acc === null) continue;
    if (
      best === undefined ||
      a.test_acc > (best.test_acc ?? -1) ||
      (a.test_acc === best.test_acc && a.attempt < best.attempt)
    )
      best = a;
  }
  return best;
}

const better = (a: Scored, b: Scored): boolean => {
  const av = a.val_acc ?? -1;
  const bv = b.val_acc ?? -1;
  if (av !== bv) return av > bv;
  const at = a.train_acc ?? -1;
  const bt = b.train_acc ?? -1;
  if (at !== bt) return at > bt;
  return a.attempt < b.attempt;
};
