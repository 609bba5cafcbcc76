import type { Example, SplitName } from "../core/example.js";

/** How model text became code (REFERENCE.md "From the model's text to an accuracy"). */
export type CodeExtraction =
  | { readonly ok: true; readonly code: string; readonly via: "json" | "brace_span" }
  | { readonly ok: false; readonly reason: string };

/** Every way a candidate can end. Failures are data: each is recorded, the run goes on. */
export type OutcomeKind =
  | "ok"
  | "no_code_found"
  | "syntax_error"
  | "no_function"
  | "import_error"
  | "module_error"
  | "timeout"
  | "memory_limit"
  | "output_limit"
  | "crashed"
  | "protocol_error"
  | "sandbox_error";

export interface SplitScore {
  readonly correct: number;
  readonly total: number;
  /** correct / total (0 when total is 0). */
  readonly accuracy: number;
  /** Inputs on which the candidate raised (each counted wrong). */
  readonly exceptions: number;
}

export interface VerifyJob {
  /** Python source of the candidate module (already extracted from model text). */
  readonly code: string;
  /** Labelled examples per split to score; only the inputs ever reach the child. */
  readonly splits: Partial<Record<SplitName, readonly Example[]>>;
}

export interface VerifyResult {
  readonly kind: OutcomeKind;
  /** Short human message ("" when ok). */
  readonly message: string;
  /** Scores for each split that was asked for; a split whose run failed wholesale scores 0 correct. */
  readonly scores: Partial<Record<SplitName, SplitScore>>;
  /** Name of the function that was called (f, else the first top-level function). */
  readonly functionName?: string;
  readonly durationMs: number;
}

/** Which protections the sandbox has in force on this machine, for the run log. */
export interface ProtectionReport {
  readonly [protection: string]: boolean | string;
}

export interface Verifier {
  readonly protections: ProtectionReport;
  verify(job: VerifyJob, signal?: AbortSignal): Promise<VerifyResult>;
  close(): Promise<void>;
}

/** Limits on one candidate run, enforced from outside the candidate's code (see docs/sandbox.md). */
export interface SandboxLimits {
  /** Wall clock for the whole child (all splits), in ms; the process group is killed at the limit. */
  readonly wallMs: number;
  /** RLIMIT_CPU in seconds (SIGXCPU at the limit, SIGKILL one second later). */
  readonly cpuSeconds: number;
  /** RLIMIT_AS in bytes. */
  readonly memoryBytes: number;
  /** RLIMIT_NOFILE. */
  readonly openFiles: number;
  /** RLIMIT_FSIZE in bytes: the largest file the candidate may write (into its scratch dir). */
  readonly fileBytes: number;
  /** RLIMIT_NPROC (processes and threads of the child's uid); 1 means no fork. */
  readonly processes: number;
  /** Size of the scratch tmpfs (/tmp) under bubblewrap, in bytes. */
  readonly scratchBytes: number;
  /** Bytes of protocol output the parent reads beyond one per input before it kills the child. */
  readonly outputSlackBytes: number;
}
