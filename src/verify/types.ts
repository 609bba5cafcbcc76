import type { Example, SplitName } from "../core/example.js";

/** How model text became code (docs/sandbox.md, "From text to a prediction"). */
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
  /**
   * How predictions are scored. `binary`: the paper's `_to01` rules against 0/1 labels. `exact`: the
   * prediction's `str()` against each label's text, over these classes (every label of the job must be
   * one of them). Absent: `exact` over the job's distinct labels when any label is a string, else binary.
   */
  readonly scoring?: Scoring;
}

export type Scoring =
  | { readonly kind: "binary" }
  | { readonly kind: "exact"; readonly classes: readonly string[] };

/** How one split's run ended. */
export interface SplitOutcome {
  readonly kind: OutcomeKind;
  readonly message: string;
}

export interface VerifyResult {
  /** `ok` when every split finished; else the kind of the first split that did not. */
  readonly kind: OutcomeKind;
  /** Short human message ("" when ok). */
  readonly message: string;
  /**
   * Scores for each split that was asked for. A split that finished keeps its score whatever happens
   * to a later one; a split whose run failed scores 0 correct.
   */
  readonly scores: Partial<Record<SplitName, SplitScore>>;
  /** How each split asked for ended (train, val, test are scored in that order, each under its own limits). */
  readonly splitOutcomes?: Partial<Record<SplitName, SplitOutcome>>;
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
  /**
   * Wall clock per split, in ms: the first split's clock starts at spawn (start-up and the module
   * included), each later split's when the previous one's last answer arrives. At the limit the whole
   * sandbox is killed; splits already answered keep their scores.
   */
  readonly wallMs: number;
  /** CPU seconds per split (RLIMIT_CPU moved up as each split starts; hard = one per split + 1 s). */
  readonly cpuSeconds: number;
  /** RLIMIT_AS in bytes, and the memory limit of the candidate's cgroup (tmpfs and shared memory included). */
  readonly memoryBytes: number;
  /** CPU bandwidth of the candidate's cgroup, in cores. */
  readonly cpuCores: number;
  /** RLIMIT_NOFILE. */
  readonly openFiles: number;
  /** RLIMIT_FSIZE in bytes: the largest file the candidate may write (into its scratch dir). */
  readonly fileBytes: number;
  /** RLIMIT_NPROC (processes and threads of the child's uid) and the cgroup's task limit beyond the
   * launcher; 1 means no fork and no thread. */
  readonly processes: number;
  /** Size of each scratch tmpfs (/tmp and /dev/shm) under bubblewrap, in bytes. */
  readonly scratchBytes: number;
  /** Bytes of protocol output the parent reads beyond one per input before it kills the child. */
  readonly outputSlackBytes: number;
}
