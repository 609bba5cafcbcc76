/**
 * `learn`: llm-erm as a function. The caller's labelled strings become one grid point that the grid
 * runner works on as `llm-erm run` does (a proposer's candidates, each verified in the sandbox, early
 * stop at validation accuracy 1.0, ERM selection), with everything kept in memory: no files, no output,
 * no signal handlers, no process.exit. Progress goes to `onProgress`.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { AttemptRecord } from "../artifacts/attempt-record.js";
import { writeAttemptsCsv } from "../artifacts/attempts-csv.js";
import { AttemptLog } from "../artifacts/attempts-jsonl.js";
import type { GridPoint } from "../core/grid.js";
import {
  createEnumerativeProposer,
  DEFAULT_ENUMERATION_BUDGET,
  type EnumerationBudget,
} from "../enumerate/enumerative-proposer.js";
import { findPrice, type Price, priceForBudget } from "../proposer/pricing.js";
import type { Proposer, Usage } from "../proposer/proposer.js";
import { getProvider, PROVIDER_IDS, providerForModel } from "../proposer/registry.js";
import {
  DEFAULT_MAX_OUTPUT_TOKENS,
  type ProviderSettings,
  type ReasoningEffortValue,
  type Verbosity,
} from "../proposer/request-options.js";
import { addUsage, ZERO_USAGE } from "../proposer/usage.js";
import { Budget } from "../runner/budget.js";
import { type GridRunStatus, type ProgressState, type RunLogger, runGrid } from "../runner/grid-runner.js";
import { selectErm } from "../runner/selection.js";
import { extractCode } from "../verify/extract.js";
import type { SandboxChoice, SandboxMode } from "../verify/sandbox-launch.js";
import { createVerifier } from "../verify/sandbox-verifier.js";
import type { OutcomeKind, ProtectionReport, Verifier, VerifyJob } from "../verify/types.js";
import { type LearnExample, LearnInputError, learnInputIssues, toSplits } from "./learn-input.js";
import { learnPrompt } from "./learn-prompt.js";

export interface LearnOptions {
  /** Examples the proposer sees (a model in its prompt, the enumerator as its search data). */
  readonly train: readonly LearnExample[];
  /** Examples that choose between candidates (ERM on validation accuracy); never shown to a proposer. */
  readonly val: readonly LearnExample[];
  /** Held-out examples, scored for every candidate and reported; absent: `test_acc` is null. */
  readonly test?: readonly LearnExample[];
  /** Candidates to try (default 5); fewer when one reaches validation accuracy 1.0 or the proposer runs out. */
  readonly attempts?: number;
  /** Candidates drawn at once (default 1). */
  readonly batch?: number;
  /** Your own proposer (see `Proposer`); else `provider`/`model`, else the built-in enumerator. */
  readonly proposer?: Proposer;
  /**
   * `enumerative` (the default when neither `provider` nor `model` is given), or a provider id
   * (`openai`, `openai-chat`, `anthropic`, `gemini`). With only `model`, the provider its name calls
   * for (`claude-*` anthropic, `gemini-*` gemini, else openai).
   */
  readonly provider?: string;
  /** The model (required with a provider). */
  readonly model?: string;
  /** The provider's key; absent: read from `env` (the provider's variable, e.g. OPENAI_API_KEY). */
  readonly apiKey?: string;
  /** The provider's base URL; absent: read from `env` (e.g. OPENAI_BASE_URL), else the SDK's default. */
  readonly baseURL?: string;
  /**
   * Where an absent `apiKey`/`baseURL` is read from (default `process.env`). Only the chosen
   * provider's key and base-URL variables are read, and only when the option is absent.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly maxOutputTokens?: number;
  readonly reasoningEffort?: ReasoningEffortValue;
  readonly verbosity?: Verbosity;
  readonly thinkingBudget?: number;
  /** Per-call timeout in seconds (default 1200). */
  readonly timeoutS?: number;
  /** Check key, base URL and model with the provider before the first call (default true). */
  readonly preflight?: boolean;
  /** Stop before a call that could take the spend over this (needs the model's built-in price). */
  readonly maxCostUsd?: number;
  readonly maxTokens?: number;
  /** The enumerator's search budget (defaults: DEFAULT_ENUMERATION_BUDGET). */
  readonly enumeration?: {
    readonly maxPrograms?: number;
    readonly maxSeconds?: number;
    readonly maxSize?: number;
  };
  /**
   * The sandbox tier: `auto` (default: bubblewrap with a real uid drop and seccomp, or a refusal), or a
   * weaker tier named explicitly (`unshare`, `rlimits`; docs/sandbox.md says what each gives up).
   */
  readonly sandbox?: SandboxChoice;
  /** The interpreter candidates run under (default `python3` on PATH). */
  readonly python?: string;
  /** A verifier you made (`createVerifier`) and close yourself; `sandbox` and `python` are then unused. */
  readonly verifier?: Verifier;
  /** The prompt a model gets (default: `learnPrompt(train)`, the paper's wording for this data). */
  readonly prompt?: string;
  /**
   * Write the attempts there as `llm-erm run` does: `results_attempts.jsonl` (each record appended
   * durably as it is made) and `results_attempts.csv` at the end, replacing files of those names. The
   * directory is made if missing. Absent: no file is written.
   */
  readonly outDir?: string;
  /** Abort: no new candidate starts, calls in flight are cancelled; the result says `interrupted`. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: LearnEvent) => void;
}

/** One candidate: what was proposed, how it ran, what it scored and cost. */
export interface LearnAttempt {
  readonly attempt: number;
  /** `ok`, or how the candidate ended (`syntax_error`, `timeout`, `call_error`, ...). */
  readonly outcome: OutcomeKind | "call_error";
  readonly outcome_message: string;
  /** The program extracted from the proposer's text; null when none was found (or the call failed). */
  readonly code: string | null;
  /** The proposer's raw text. */
  readonly text: string;
  readonly train_acc: number | null;
  readonly val_acc: number | null;
  /** null without a test split. */
  readonly test_acc: number | null;
  readonly usage: Usage;
  /** null: the model has no known price. */
  readonly cost_usd: number | null;
  readonly duration_ms: number;
  readonly verify_ms: number;
  readonly error?: string;
  readonly meta?: Readonly<Record<string, unknown>>;
}

export interface LearnResult {
  /** completed, budget (a budget stopped it), interrupted (the signal), failed. */
  readonly status: GridRunStatus;
  /** A candidate reached validation accuracy 1.0. */
  readonly solved: boolean;
  /** The ERM-selected program (best validation accuracy, then the earliest); null when no candidate. */
  readonly code: string | null;
  readonly train_acc: number | null;
  readonly val_acc: number | null;
  readonly test_acc: number | null;
  readonly selected_attempt: number | null;
  /** The proposer's id (`enumerative`, `openai:gpt-5`, yours). */
  readonly proposer: string;
  /** Every attempt, in attempt order. */
  readonly attempts: readonly LearnAttempt[];
  readonly usage: Usage;
  readonly cost_usd: number;
  /** Set when status is failed. */
  readonly error?: string;
}

/** What `onProgress` receives. */
export type LearnEvent =
  | {
      readonly type: "sandbox";
      readonly mode: SandboxMode | "caller";
      readonly protections: ProtectionReport;
    }
  | { readonly type: "progress"; readonly state: ProgressState }
  | { readonly type: "attempt"; readonly attempt: LearnAttempt }
  | {
      readonly type: "log";
      readonly level: "info" | "warn" | "error";
      readonly message: string;
      readonly fields: Readonly<Record<string, unknown>>;
    };

/** The grid point `learn` runs under (its records name it). */
const POINT: GridPoint = { fn: "data", length: 0 };

/**
 * Learns a short Python program from labelled strings. Throws a `LearnInputError` (nothing started)
 * for bad input, a `UsageError` for a provider that cannot be configured or a sandbox tier that does
 * not hold here; every candidate's failure is data in `attempts`.
 */
export async function learn(options: LearnOptions): Promise<LearnResult> {
  const issues = learnInputIssues(options);
  if (issues.length > 0) throw new LearnInputError(issues);
  const emit = (event: LearnEvent): void => options.onProgress?.(event);
  const given = options.test && options.test.length > 0 ? options.test : undefined;
  const splits = toSplits({ train: options.train, val: options.val, test: given ?? [] });
  const { train, val } = splits;
  const test = given ? splits.test : undefined;
  const attempts = options.attempts ?? 5;
  const batch = options.batch ?? 1;
  const { proposer, maxOutputTokens, price } = await chooseProposer(options, attempts, emit);
  const signal = options.signal ?? new AbortController().signal;
  const prompt = options.prompt ?? learnPrompt(train);

  const logger: RunLogger = {
    info: (fields, message) => emit({ type: "log", level: "info", message: message ?? "", fields }),
    warn: (fields, message) => emit({ type: "log", level: "warn", message: message ?? "", fields }),
    error: (fields, message) => emit({ type: "log", level: "error", message: message ?? "", fields }),
  };
  const owned = options.verifier === undefined;
  const verifier =
    options.verifier ??
    (await createVerifier({
      sandbox: options.sandbox ?? "auto",
      ...(options.python !== undefined ? { python: options.python } : {}),
      log: (fields) => logger.info(fields, String(fields.event ?? "sandbox")),
    }));
  let attemptLog: AttemptLog | undefined;
  try {
    if (options.outDir !== undefined) attemptLog = openAttemptLog(options.outDir);
    emit({
      type: "sandbox",
      mode: "mode" in verifier ? (verifier.mode as SandboxMode) : "caller",
      protections: verifier.protections,
    });
    const result = await runGrid(
      {
        points: [POINT],
        attempts,
        concurrency: batch,
        batch,
        testSelectedOnly: false,
        fingerprint: "learn",
      },
      {
        proposer,
        verifier: withoutEmptySplits(verifier),
        extractCode,
        prepare: async () => ({ splits: { train, val, test: test ?? [] }, prompt }),
        append: async (record) => {
          await attemptLog?.appendAsync(record);
          emit({ type: "attempt", attempt: toAttempt(record, test !== undefined) });
        },
        prior: [],
        budget: new Budget({
          maxOutputTokens,
          ...(price ? { price } : {}),
          ...(options.maxCostUsd !== undefined ? { maxCostUsd: options.maxCostUsd } : {}),
          ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
        }),
        logger,
        signal,
        onProgress: (state) => emit({ type: "progress", state }),
      },
    );
    if (options.outDir !== undefined)
      writeAttemptsCsv(join(options.outDir, "results_attempts.csv"), result.records);
    const all = [...result.records]
      .sort((a, b) => a.attempt - b.attempt)
      .map((r) => toAttempt(r, test !== undefined));
    const selected = selectErm(result.records);
    const chosen = selected ? all.find((a) => a.attempt === selected.attempt) : undefined;
    return {
      status: result.status,
      solved: all.some((a) => a.val_acc === 1),
      code: chosen?.code ?? null,
      train_acc: chosen?.train_acc ?? null,
      val_acc: chosen?.val_acc ?? null,
      test_acc: chosen?.test_acc ?? null,
      selected_attempt: chosen?.attempt ?? null,
      proposer: proposer.id,
      attempts: all,
      usage: all.reduce((u, a) => addUsage(u, a.usage), ZERO_USAGE),
      cost_usd: all.reduce((c, a) => c + (a.cost_usd ?? 0), 0),
      ...(result.failedPoints[0] ? { error: result.failedPoints[0].error } : {}),
    };
  } finally {
    attemptLog?.close();
    if (owned) await verifier.close();
  }
}

function openAttemptLog(dir: string): AttemptLog {
  mkdirSync(dir, { recursive: true });
  return new AttemptLog(join(dir, "results_attempts.jsonl"), { fresh: true });
}

/** The caller's proposer, a provider's, or the enumerator; with what its budget needs. */
async function chooseProposer(
  options: LearnOptions,
  attempts: number,
  emit: (event: LearnEvent) => void,
): Promise<{ proposer: Proposer; maxOutputTokens: number; price?: Price }> {
  if (options.proposer) {
    if (options.provider !== undefined || options.model !== undefined)
      throw new LearnInputError([
        { path: "proposer", message: "give a proposer or a provider/model, not both" },
      ]);
    return { proposer: options.proposer, maxOutputTokens: options.maxOutputTokens ?? 0 };
  }
  const id =
    options.provider ?? (options.model !== undefined ? providerForModel(options.model) : "enumerative");
  if (id === "enumerative") {
    const budget: EnumerationBudget = {
      ...DEFAULT_ENUMERATION_BUDGET,
      ...definedOnly(options.enumeration ?? {}),
      // One ranked candidate per attempt: attempts 8 gets the 8 best.
      proposals: Math.max(DEFAULT_ENUMERATION_BUDGET.proposals, attempts),
    };
    return {
      proposer: createEnumerativeProposer(budget),
      maxOutputTokens: 0,
      price: { input: 0, output: 0 },
    };
  }
  if (!PROVIDER_IDS.includes(id))
    throw new LearnInputError([
      {
        path: "provider",
        message: `unknown provider '${id}' (known: enumerative, ${PROVIDER_IDS.join(", ")})`,
      },
    ]);
  const provider = getProvider(id);
  if (options.model === undefined)
    throw new LearnInputError([{ path: "model", message: `required with provider '${id}'` }]);
  const env = options.env ?? process.env;
  const apiKey =
    options.apiKey ?? provider.keyEnv.map((name) => env[name]).find((v) => v !== undefined && v !== "");
  const baseURL = options.baseURL ?? (env[provider.baseUrlEnv] || undefined);
  const settings: ProviderSettings = {
    model: options.model,
    maxOutputTokens: options.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
    reasoningEffort: options.reasoningEffort ?? provider.defaults.reasoningEffort,
    verbosity: options.verbosity ?? provider.defaults.verbosity,
    toolChoice: provider.defaults.toolChoice,
    codeInterpreter: false,
    structuredOutput: false,
    background: false,
    timeoutS: options.timeoutS ?? 1200,
    thinkingBudget: options.thinkingBudget,
    baseUrl: baseURL,
  };
  const configured = provider.resolve(settings, { apiKey, baseURL });
  const price =
    options.maxCostUsd !== undefined
      ? priceForBudget(provider.prices, options.model, provider.snapshot)
      : findPrice(provider.prices, options.model, provider.snapshot);
  if (options.preflight !== false) await configured.preflight();
  else configured.requireKey();
  const proposer = configured.createProposer((event, fields) =>
    emit({ type: "log", level: "warn", message: event, fields: { ...fields, event } }),
  );
  return { proposer, maxOutputTokens: settings.maxOutputTokens, ...(price ? { price } : {}) };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Splits without examples are not sent to the sandbox (no test split: nothing to score). */
function withoutEmptySplits(v: Verifier): Verifier {
  return {
    protections: v.protections,
    verify: (job: VerifyJob, signal?: AbortSignal) =>
      v.verify(
        {
          code: job.code,
          splits: Object.fromEntries(
            Object.entries(job.splits).filter(([, list]) => list !== undefined && list.length > 0),
          ),
        },
        signal,
      ),
    close: () => v.close(),
  };
}

function toAttempt(r: AttemptRecord, hasTest: boolean): LearnAttempt {
  const extraction = r.outcome === "call_error" ? undefined : extractCode(r.text);
  return {
    attempt: r.attempt,
    outcome: r.outcome as OutcomeKind | "call_error",
    outcome_message: r.outcome_message,
    code: extraction?.ok ? extraction.code : null,
    text: r.text,
    train_acc: r.train_acc,
    val_acc: r.val_acc,
    test_acc: hasTest ? r.test_acc : null,
    usage: r.usage,
    cost_usd: r.cost_usd,
    duration_ms: r.duration_ms,
    verify_ms: r.verify_ms,
    ...(r.error !== undefined ? { error: r.error } : {}),
    ...(r.meta !== undefined ? { meta: r.meta } : {}),
  };
}
