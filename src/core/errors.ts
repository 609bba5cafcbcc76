/** A problem with what the user asked for (a flag, a file, a value). Exit code 2, message printed as is. */
export class UsageError extends Error {
  override readonly name: string = "UsageError";
}

/** Exit codes that mean something. */
export const ExitCode = {
  ok: 0,
  /** The run failed (I/O, sandbox, server unreachable...). */
  failure: 1,
  /** Bad flags, files or values: nothing was started. */
  usage: 2,
  /** A budget (--max-cost-usd, --max-tokens) stopped the run cleanly; resume with a larger budget. */
  budget: 3,
  /** A damaged dataset or artifact was found and not used. */
  damaged: 4,
  /** Stopped by Ctrl-C / SIGTERM after flushing what finished; run again to resume. */
  interrupted: 130,
} as const;
