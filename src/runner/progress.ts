import type { ProgressState } from "./grid-types.js";

const fmtTokens = (n: number): string => {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
};

export const fmtDuration = (ms: number): string => {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
};

const fmtAcc = (v: number | null): string => (v === null ? "-" : v.toFixed(3));

/** What the live display's first line says about the run. */
export interface ProgressHeader {
  /** `enumerative`, `openai:gpt-5`. */
  readonly proposer: string;
  readonly concurrency: number;
  readonly batch: number;
  /** The sandbox mode (bubblewrap, unshare, rlimits). */
  readonly sandbox: string;
}

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

/** At most this many in-flight grid points are listed; the rest are counted. */
const MAX_ACTIVE_LINES = 8;

/**
 * The live block a terminal shows, one string per line, each cut to `width` columns (a wrapped line
 * would break the redraw). `agedMs` is the time since the state was taken (clocks keep ticking).
 */
export function renderProgressBlock(
  s: ProgressState,
  header: ProgressHeader | undefined,
  width: number,
  agedMs = 0,
): string[] {
  const lines: string[] = [];
  if (header) {
    lines.push(
      [
        header.proposer,
        `${s.pointsTotal} grid points`,
        `concurrency ${header.concurrency}`,
        ...(header.batch > 1 ? [`batch ${header.batch}`] : []),
        `sandbox ${header.sandbox}`,
      ].join(" · "),
    );
  }
  const barWidth = 20;
  const filled = s.pointsTotal === 0 ? barWidth : Math.round((s.pointsDone / s.pointsTotal) * barWidth);
  const bar = `[${"#".repeat(filled)}${".".repeat(barWidth - filled)}]`;
  const eta = s.etaMs === null ? "ETA ?" : `ETA ${fmtDuration(Math.max(0, s.etaMs - agedMs))}`;
  lines.push(
    `${bar} ${s.pointsDone}/${s.pointsTotal} done · ${s.solved} solved · ${s.inFlight} in flight · ${fmtDuration(s.elapsedMs + agedMs)} · ${eta}`,
  );
  const model = header === undefined || header.proposer !== "enumerative";
  lines.push(
    [
      `attempts ${s.attempts}`,
      ...(model ? [`tokens ${fmtTokens(s.usage.total_tokens)}`, `cost $${s.costUsd.toFixed(2)}`] : []),
    ].join(" · "),
  );
  const label = (fn: string, length: number) => `${fn.padEnd(5)} L=${String(length).padEnd(4)}`;
  for (const a of s.active.slice(0, MAX_ACTIVE_LINES)) {
    const attempt = a.attempt === 0 ? "-" : String(a.attempt);
    lines.push(
      `  > ${label(a.fn, a.length)} attempt ${attempt}/${a.attempts}  ${a.phase.padEnd(9)} ${fmtDuration(a.elapsedMs + agedMs).padStart(6)}  best val ${fmtAcc(a.bestVal)}`,
    );
  }
  if (s.active.length > MAX_ACTIVE_LINES) lines.push(`  ... and ${s.active.length - MAX_ACTIVE_LINES} more`);
  for (const f of s.recent) {
    const what = f.solved
      ? `solved at attempt ${f.selectedAttempt ?? "?"}`
      : `${f.attempts} attempt${f.attempts === 1 ? "" : "s"}, val ${fmtAcc(f.val)}`;
    lines.push(
      `  ${f.solved ? "+" : "-"} ${label(f.fn, f.length)} ${what} · test ${fmtAcc(f.test)} · ${fmtDuration(f.elapsedMs)}`,
    );
  }
  const cut = Math.max(20, width - 1);
  return lines.map((l) => (l.length > cut ? `${l.slice(0, cut - 1)}…` : l));
}

export interface ProgressReporter {
  update(state: ProgressState): void;
  /** A message that must not be overwritten by the live display (it is printed above it). */
  note(message: string): void;
  /** Print the last state for good and stop refreshing. */
  finish(): void;
}

type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };

/**
 * On a TTY: a live block (header, progress bar, totals, one line per grid point in flight, the last
 * finished ones) redrawn in place at most every `ttyMs` and every second for the clocks; it never
 * scrolls. Off a TTY: a JSON line on the stream when a grid point finishes or at most every `plainMs`.
 */
export function createProgressReporter(
  stream: ProgressStream,
  opts: { ttyMs?: number; plainMs?: number; now?: () => number; header?: ProgressHeader } = {},
): ProgressReporter {
  const now = opts.now ?? Date.now;
  const tty = stream.isTTY === true;
  const every = tty ? (opts.ttyMs ?? 250) : (opts.plainMs ?? 10_000);
  let last: ProgressState | undefined;
  let lastAt = 0;
  let lastPrinted = Number.NEGATIVE_INFINITY;
  let lastDone = -1;
  let dirty = false;
  let drawn = 0; // lines of the live block on screen, cursor just below it
  let finished = false;

  const erase = () => (drawn > 0 ? `\x1b[${drawn}A\r\x1b[J` : "");
  const draw = (prefix = "") => {
    if (!last) {
      if (prefix) stream.write(prefix);
      return;
    }
    const width = stream.columns && stream.columns > 0 ? stream.columns : 80;
    let lines = renderProgressBlock(last, opts.header, width, now() - lastAt);
    const rows = stream.rows && stream.rows > 0 ? stream.rows : 50;
    if (lines.length > rows - 1) lines = lines.slice(0, Math.max(1, rows - 1));
    stream.write(`${erase()}${prefix}${lines.join("\n")}\n`);
    drawn = lines.length;
  };
  const print = (s: ProgressState) => {
    lastPrinted = now();
    lastDone = s.pointsDone;
    dirty = false;
    if (tty) draw();
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
  // Keeps the clocks moving between events (a model call can take minutes); never keeps the process alive.
  const ticker = tty
    ? setInterval(() => {
        if (last && !finished) draw();
      }, 1000)
    : undefined;
  ticker?.unref();
  return {
    update(s) {
      if (finished) return;
      last = s;
      lastAt = now();
      dirty = true;
      if (now() - lastPrinted >= every || (!tty && s.pointsDone !== lastDone)) print(s);
    },
    note(message) {
      const text = message.endsWith("\n") ? message : `${message}\n`;
      if (tty && !finished) draw(text);
      else stream.write(text);
    },
    finish() {
      if (finished) return;
      finished = true;
      if (ticker) clearInterval(ticker);
      if (last && (dirty || tty)) print(last);
    },
  };
}
