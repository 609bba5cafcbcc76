import type { ProgressState } from "./grid-runner.js";

const fmtTokens = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);

export const fmtDuration = (ms: number): string => {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
};

/** One human line: grid points done, solved, calls in flight, tokens, cost, ETA. */
export function progressLine(s: ProgressState): string {
  return [
    `grid ${s.pointsDone}/${s.pointsTotal}`,
    `solved ${s.solved}`,
    `in flight ${s.inFlight}`,
    `attempts ${s.attempts}`,
    `tokens ${fmtTokens(s.usage.total_tokens)}`,
    `cost $${s.costUsd.toFixed(2)}`,
    `elapsed ${fmtDuration(s.elapsedMs)}`,
    `ETA ${s.etaMs === null ? "?" : fmtDuration(s.etaMs)}`,
  ].join(" | ");
}

export interface ProgressReporter {
  update(state: ProgressState): void;
  /** Print the last state for good (a newline on a TTY). */
  finish(): void;
}

/**
 * On a TTY: one line rewritten in place, at most every `ttyMs`. Off a TTY: a JSON line on the stream,
 * when a grid point finishes or at most every `plainMs`.
 */
export function createProgressReporter(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  opts: { ttyMs?: number; plainMs?: number; now?: () => number } = {},
): ProgressReporter {
  const now = opts.now ?? Date.now;
  const tty = stream.isTTY === true;
  const every = tty ? (opts.ttyMs ?? 250) : (opts.plainMs ?? 10_000);
  let last: ProgressState | undefined;
  let lastPrinted = Number.NEGATIVE_INFINITY;
  let lastDone = -1;
  let dirty = false;
  const print = (s: ProgressState) => {
    lastPrinted = now();
    lastDone = s.pointsDone;
    dirty = false;
    if (tty) stream.write(`\r\x1b[2K${progressLine(s)}`);
    else
      stream.write(
        `${JSON.stringify({
          event: "progress",
          points_done: s.pointsDone,
          points_total: s.pointsTotal,
          solved: s.solved,
          in_flight: s.inFlight,
          attempts: s.attempts,
          calls: s.calls,
          total_tokens: s.usage.total_tokens,
          cost_usd: Number(s.costUsd.toFixed(6)),
          elapsed_ms: Math.round(s.elapsedMs),
          eta_ms: s.etaMs === null ? null : Math.round(s.etaMs),
        })}\n`,
      );
  };
  return {
    update(s) {
      last = s;
      dirty = true;
      if (now() - lastPrinted >= every || (!tty && s.pointsDone !== lastDone)) print(s);
    },
    finish() {
      if (last && (dirty || tty)) print(last);
      if (tty) stream.write("\n");
    },
  };
}
