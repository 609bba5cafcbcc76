import {
  CallAbortedError,
  type Proposal,
  type Proposer,
  type ProposerContext,
  type ProposerSession,
} from "../proposer.js";
import { abortableSleep } from "../retry.js";
import {
  appendJournal,
  type JournalEntry,
  readJournal,
  readUploads,
  removeJournal,
} from "./batch-journal.js";
import {
  type BatchItem,
  type BatchState,
  type BatchTransport,
  customIdOf,
  type ItemResult,
  type SubmitStaging,
} from "./batch-transport.js";

export interface BatchingProposerOptions {
  /** Recorded in every attempt (the provider's proposer id: `openai:gpt-5`). */
  readonly id: string;
  readonly transport: BatchTransport;
  /** The batches journal (batchesPathOf(jsonl)). */
  readonly journal: string;
  /** The run config's fingerprint: the journal's batches of other configs are never reused. */
  readonly fingerprint: string;
  /** --fresh: the journal is removed before its first use (its batches served the attempts dropped). */
  readonly fresh?: boolean;
  /** A wave is sent once no request arrived for this long (default 2000 ms)... */
  readonly quietMs?: number;
  /** ...or this long after its first request, whichever comes first (default 30 s). */
  readonly maxGatherMs?: number;
  /** First wait between polls of a batch, growing 1.5x up to maxPollMs (defaults 5 s, 60 s). */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
  /** --batch-window: a batch not ended this long after its submission is cancelled (default 24 h). */
  readonly windowMs?: number;
  /** Times an item missing from its batch's results (expired, cancelled, transient error) is sent again. */
  readonly maxResubmits?: number;
  /** Polls of a batch failing in a row before its requests go into a new batch (a 404 at once; default 8). */
  readonly maxPollFailures?: number;
  /** Batch life: submitted, state changes, resubmissions (the progress line and runner.log). */
  readonly onEvent?: (event: string, fields: Record<string, unknown>) => void;
  readonly now?: () => number;
}

interface Waiter {
  readonly item: BatchItem;
  readonly signal: AbortSignal;
  readonly started: number;
  resolve(p: Proposal): void;
  reject(err: unknown): void;
  settled: boolean;
  cleanup?: () => void;
}

interface Tracked {
  readonly id: string;
  readonly submittedAt: number;
  readonly customIds: ReadonlySet<string>;
  readonly waiters: Map<string, Waiter>;
  results?: Map<string, ItemResult>;
  lastStatus?: string;
}

/**
 * `--batch-api`: a proposer whose calls go out as provider batches. With every grid point in flight,
 * attempt k of every unsolved point asks at about the same time: the requests of such a wave are
 * gathered (sent once none arrived for `quietMs`), submitted as one batch whose id goes to the journal
 * at once, polled with backoff, and each request is answered from its custom id when the batch ends
 * (the runner verifies them as they come, and stops a solved point before its next wave).
 *
 * A resumed run asking for an attempt the journal places in a batch polls that batch instead of
 * submitting again; items a batch did not answer (expired, cancelled, a transient error) are sent again
 * in a new batch, up to `maxResubmits` times.
 */
export function createBatchingProposer(opts: BatchingProposerOptions): Proposer {
  const quietMs = opts.quietMs ?? 2000;
  const maxGatherMs = opts.maxGatherMs ?? 30_000;
  const pollMs = opts.pollMs ?? 5000;
  const maxPollMs = opts.maxPollMs ?? 60_000;
  const windowMs = opts.windowMs ?? 24 * 3600_000;
  const maxResubmits = opts.maxResubmits ?? 3;
  const maxPollFailures = opts.maxPollFailures ?? 8;
  const emit = opts.onEvent ?? (() => {});
  const now = opts.now ?? Date.now;
  // The journal's batches of this config: the latest batch holding each custom id. Read on the first
  // request (the run holds its lock by then); --fresh removes it first.
  let journalled: Map<string, JournalEntry> | undefined;
  // The journal's uploaded inputs of this config no batch was created from, by digest (OpenAI: a run
  // killed between the upload and batches.create): a wave of the same bytes creates its batch from one.
  const uploads = new Map<string, string>();
  const journal = (): Map<string, JournalEntry> => {
    if (journalled !== undefined) return journalled;
    if (opts.fresh) removeJournal(opts.journal);
    journalled = new Map();
    const ours = (e: { fingerprint: string; provider: string }) =>
      e.fingerprint === opts.fingerprint && e.provider === opts.transport.provider;
    const used = new Set<string>();
    for (const e of readJournal(opts.journal)) {
      if (e.input_file_id !== undefined) used.add(e.input_file_id);
      if (!ours(e)) continue;
      for (const id of e.custom_ids) journalled.set(id, e);
    }
    for (const u of readUploads(opts.journal))
      if (ours(u) && !used.has(u.file_id)) uploads.set(u.digest, u.file_id);
    return journalled;
  };
  const tracked = new Map<string, Tracked>();
  const resubmits = new Map<string, number>();
  const life = new AbortController();
  let pending: Waiter[] = [];
  let quietTimer: NodeJS.Timeout | undefined;
  let gatherTimer: NodeJS.Timeout | undefined;

  /** Each provider call gets a child of `life`, unlinked when it settles (the SDKs never remove theirs). */
  const call = async <T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const child = new AbortController();
    const forward = () => child.abort(life.signal.reason);
    life.signal.addEventListener("abort", forward, { once: true });
    try {
      return await run(child.signal);
    } finally {
      life.signal.removeEventListener("abort", forward);
    }
  };

  const settle = (w: Waiter, p: Proposal | { error: unknown }) => {
    if (w.settled) return;
    w.settled = true;
    w.cleanup?.();
    if ("text" in p) w.resolve(p);
    else w.reject(p.error);
  };

  const answer = (w: Waiter, r: ItemResult & { kind: "answer" }, batchId: string) =>
    settle(w, {
      ...r.proposal,
      durationMs: now() - w.started,
      pricingMode: "batch",
      meta: { ...(r.proposal.meta ?? {}), batch_id: batchId, custom_id: w.item.customId },
    });

  const fail = (w: Waiter, error: string, batchId?: string) =>
    settle(w, {
      text: "",
      error,
      durationMs: now() - w.started,
      meta: { ...(batchId ? { batch_id: batchId } : {}), custom_id: w.item.customId },
    });

  /** An item its batch did not answer: into the next wave, unless it was sent too often. */
  const again = (w: Waiter, reason: string, batchId: string) => {
    const n = (resubmits.get(w.item.customId) ?? 0) + 1;
    resubmits.set(w.item.customId, n);
    if (n > maxResubmits) {
      fail(w, `batch: no answer after ${n} batches (last: ${reason})`, batchId);
      return;
    }
    emit("batch_item_resubmit", { batch_id: batchId, custom_id: w.item.customId, reason, resubmit: n });
    enqueue(w);
  };

  const deliver = (t: Tracked) => {
    for (const [cid, w] of t.waiters) {
      t.waiters.delete(cid);
      if (w.settled) continue;
      const r = t.results?.get(cid);
      if (r === undefined) again(w, "absent from the batch's results", t.id);
      else if (r.kind === "missing") again(w, r.reason, t.id);
      else answer(w, r, t.id);
    }
  };

  const poll = async (t: Tracked): Promise<void> => {
    let wait = pollMs;
    let failures = 0;
    try {
      for (;;) {
        let state: BatchState;
        try {
          state = await call((s) => opts.transport.retrieve(t.id, s));
        } catch (err) {
          if (life.signal.aborted) return;
          const error = err instanceof Error ? err.message : String(err);
          emit("batch_poll_failed", { batch_id: t.id, error });
          // The provider does not know it (a journal from another account or endpoint), or polling
          // keeps failing: its requests go into a new batch.
          if ((err as { status?: unknown }).status === 404 || ++failures > maxPollFailures) {
            tracked.delete(t.id);
            for (const [cid, w] of t.waiters) {
              t.waiters.delete(cid);
              if (!w.settled) again(w, `polling failed: ${error}`, t.id);
            }
            return;
          }
          await abortableSleep(wait, life.signal);
          wait = Math.min(maxPollMs, wait * 1.5);
          continue;
        }
        failures = 0;
        if ([...t.waiters.values()].every((w) => w.settled)) {
          // Nobody waits on it any more (Ctrl-C): stop polling; a later request polls it again.
          tracked.delete(t.id);
          return;
        }
        if (state.status !== t.lastStatus || state.ended) {
          t.lastStatus = state.status;
          emit("batch_state", { batch_id: t.id, status: state.status, ...state.counts });
        }
        if (state.ended) break;
        if (now() - t.submittedAt > windowMs) {
          emit("batch_window_exceeded", { batch_id: t.id, status: state.status });
          await opts.transport.cancel(t.id).catch(() => {});
          for (const w of t.waiters.values())
            fail(w, "batch: --batch-window exceeded; batch cancelled", t.id);
          t.waiters.clear();
          return;
        }
        await abortableSleep(wait, life.signal);
        wait = Math.min(maxPollMs, wait * 1.5);
      }
      t.results = await call((s) => opts.transport.results(t.id, s));
      deliver(t);
    } catch (err) {
      if (life.signal.aborted) return;
      const error = `batch ${t.id}: ${err instanceof Error ? err.message : String(err)}`;
      for (const w of t.waiters.values()) fail(w, error, t.id);
      t.waiters.clear();
      tracked.delete(t.id);
    }
  };

  const track = (id: string, submittedAt: number, customIds: readonly string[], resumed = false): Tracked => {
    let t = tracked.get(id);
    if (t === undefined) {
      if (resumed) emit("batch_resume_batch", { batch_id: id });
      t = { id, submittedAt, customIds: new Set(customIds), waiters: new Map() };
      tracked.set(id, t);
      void poll(t);
    }
    return t;
  };

  const flush = async () => {
    clearTimeout(quietTimer);
    clearTimeout(gatherTimer);
    quietTimer = gatherTimer = undefined;
    const wave = pending.filter((w) => !w.settled && !w.signal.aborted);
    pending = [];
    if (wave.length === 0) return;
    const customIds = wave.map((w) => w.item.customId);
    journal();
    // The uploaded input the batch is created from: journalled before the batch exists.
    let input: { fileId: string; digest: string } | undefined;
    const staging: SubmitStaging = {
      find: (digest) => {
        const fileId = uploads.get(digest);
        if (fileId === undefined) return undefined;
        input = { fileId, digest };
        emit("batch_input_reused", { file_id: fileId, requests: wave.length });
        return fileId;
      },
      uploaded: (fileId, digest) => {
        appendJournal(opts.journal, {
          event: "uploaded",
          provider: opts.transport.provider,
          file_id: fileId,
          digest,
          fingerprint: opts.fingerprint,
          custom_ids: customIds,
          ts: new Date(now()).toISOString(),
        });
        uploads.set(digest, fileId);
        input = { fileId, digest };
      },
      refused: (fileId, error) => {
        uploads.delete(input?.digest ?? "");
        input = undefined;
        emit("batch_input_refused", { file_id: fileId, error });
      },
    };
    let id: string;
    try {
      id = await call((s) =>
        opts.transport.submit(
          wave.map((w) => w.item),
          s,
          staging,
        ),
      );
    } catch (err) {
      const error = `batch submission failed: ${err instanceof Error ? err.message : String(err)}`;
      for (const w of wave) fail(w, error);
      return;
    }
    const entry: JournalEntry = {
      event: "submitted",
      provider: opts.transport.provider,
      batch_id: id,
      fingerprint: opts.fingerprint,
      custom_ids: customIds,
      ts: new Date(now()).toISOString(),
      ...(input !== undefined ? { input_file_id: input.fileId } : {}),
    };
    if (input !== undefined) uploads.delete(input.digest);
    appendJournal(opts.journal, entry);
    for (const cid of customIds) journal().set(cid, entry);
    emit("batch_submitted", { batch_id: id, requests: wave.length });
    const t = track(id, now(), customIds);
    for (const w of wave) if (!w.settled) t.waiters.set(w.item.customId, w);
    if (t.results) deliver(t);
  };

  const enqueue = (w: Waiter) => {
    pending.push(w);
    clearTimeout(quietTimer);
    quietTimer = setTimeout(() => void flush(), quietMs);
    gatherTimer ??= setTimeout(() => void flush(), maxGatherMs);
  };

  /** A request: its journalled batch when it has one (resume), else the next wave. */
  const request = (w: Waiter) => {
    const entry = journal().get(w.item.customId);
    if (entry !== undefined && !resubmits.has(w.item.customId)) {
      const t = track(entry.batch_id, Date.parse(entry.ts), entry.custom_ids, true);
      emit("batch_resume", { batch_id: entry.batch_id, custom_id: w.item.customId });
      // Marks it as served by its journalled batch: if that one lacks it, it goes into a new batch.
      resubmits.set(w.item.customId, 0);
      t.waiters.set(w.item.customId, w);
      if (t.results) deliver(t);
      return;
    }
    enqueue(w);
  };

  return {
    id: opts.id,
    open(ctx: ProposerContext): ProposerSession {
      return {
        next(attempt?: number): Promise<Proposal> {
          const n = attempt ?? ctx.attemptsDone + 1;
          return new Promise<Proposal>((resolve, reject) => {
            const w: Waiter = {
              item: { customId: customIdOf(ctx.gridPoint, n), prompt: ctx.prompt, gridPoint: ctx.gridPoint },
              signal: ctx.signal,
              started: now(),
              resolve,
              reject,
              settled: false,
            };
            // Cut (Ctrl-C, early stop): nothing to record; a batch already holding it finishes on the
            // server and a resumed run reads it from there.
            const onAbort = () => settle(w, { error: new CallAbortedError(ctx.signal.reason, undefined) });
            if (ctx.signal.aborted) return onAbort();
            ctx.signal.addEventListener("abort", onAbort, { once: true });
            w.cleanup = () => ctx.signal.removeEventListener("abort", onAbort);
            request(w);
          });
        },
      };
    },
  };
}
