/**
 * The built-in proposer: classical ERM by length-first program enumeration. Each session runs one
 * bottom-up search on the grid point's training examples in a worker thread, then offers the best
 * programs in ERM order (fewest training errors, then smallest, then enumeration order), one per
 * attempt, as `{"code": ...}` text that goes through the same extraction and sandboxed verification
 * as a model's answer.
 */
import { z } from "zod";
import { UsageError } from "../core/errors.js";
import type { Proposal, Proposer, ProposerContext, ProposerSession } from "../proposer/proposer.js";
import type { EnumerationBudget } from "./search.js";
import { startSearch, type WorkerResult } from "./search-worker-client.js";

export type { EnumerationBudget, StopReason } from "./search.js";

/**
 * About a second of search per grid point on one core of a 2-core machine; the seconds bound is a
 * safety net (the program bound keeps results the same on every machine).
 */
export const DEFAULT_ENUMERATION_BUDGET: EnumerationBudget = Object.freeze({
  maxPrograms: 1_000_000,
  maxSeconds: 5,
  maxSize: 10,
  proposals: 5,
});

const BudgetSchema = z.object({
  maxPrograms: z.number().int().positive(),
  maxSeconds: z.number().positive(),
  maxSize: z.number().int().min(1).max(255),
  proposals: z.number().int().min(1),
});

export const ENUMERATIVE_PROPOSER_ID = "enumerative";

export function createEnumerativeProposer(opts: Partial<EnumerationBudget> = {}): Proposer {
  const merged = { ...DEFAULT_ENUMERATION_BUDGET, ...definedOnly(opts) };
  const parsed = BudgetSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`enumeration budget: ${issue.path.join(".")}: ${issue.message}`);
  }
  const budget: EnumerationBudget = parsed.data;
  return { id: ENUMERATIVE_PROPOSER_ID, open: (ctx) => openSession(ctx, budget) };
}

function definedOnly(opts: Partial<EnumerationBudget>): Partial<EnumerationBudget> {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error("aborted");
}

function openSession(ctx: ProposerContext, budget: EnumerationBudget): ProposerSession {
  const { signal } = ctx;
  let served = 0;
  let result: Promise<WorkerResult>;
  let terminate = async (): Promise<void> => {};
  if (signal.aborted) {
    result = Promise.reject(abortReason(signal));
  } else {
    const job = startSearch(ctx.train, budget);
    terminate = job.terminate;
    const aborted = new Promise<never>((_, reject) => {
      signal.addEventListener(
        "abort",
        () => {
          void job.terminate();
          reject(abortReason(signal));
        },
        { once: true },
      );
    });
    result = Promise.race([job.result, aborted]);
  }
  // Unobserved until next() is called: avoid an unhandled rejection if the session is dropped.
  result.catch(() => {});

  // The candidate of one rank (0-based), or null past the end of the list.
  const serve = async (rank: number): Promise<Proposal | null> => {
    if (signal.aborted) throw abortReason(signal);
    const { found, stats } = await result;
    const program = found[rank];
    if (program === undefined) return null;
    const first = served === 0;
    served++;
    return {
      text: JSON.stringify({ code: program.code }),
      // The search is the cost of this session's first proposal; the rest were found with it.
      durationMs: first ? stats.elapsed_ms : 0,
      meta: {
        proposer: ENUMERATIVE_PROPOSER_ID,
        rank: rank + 1,
        size: program.size,
        train_errors: program.train_errors,
        expression: program.expression,
        largest_size_finished: stats.largest_size_finished,
        behaviours_kept: stats.behaviours_kept,
        programs_visited: stats.programs_visited,
        elapsed_ms: stats.elapsed_ms,
        stopped_by: stats.stopped_by,
      },
    };
  };
  // next() calls are served one after another, in call order: the rank of a call without an attempt
  // number is fixed when the call is made, never read after an await another call may interleave with.
  let queue: Promise<unknown> = Promise.resolve();
  let nextRank = ctx.attemptsDone;

  return {
    next(attempt?: number): Promise<Proposal | null> {
      const rank = attempt !== undefined ? attempt - 1 : nextRank;
      nextRank = Math.max(nextRank, rank) + 1;
      const out = queue.then(() => serve(rank));
      queue = out.catch(() => {});
      return out;
    },
    async close(): Promise<void> {
      await terminate();
    },
  };
}
