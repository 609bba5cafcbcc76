/**
 * The public entry of the `llm-erm` package (`import { learn } from "llm-erm"`): `learn` and its types,
 * and the parts it is built from for people who build their own runs: the grid runner, the dataset
 * builder, the task registry, the verifier, and the Proposer interface for a proposer of their own.
 * Importing it has no side effects beyond registering the built-in tasks in `tasks`.
 */
import { getTask, isBuiltInTask, allTasks as listTasks, planGrid, registerTask } from "../tasks/registry.js";
import type { Task } from "../tasks/task.js";

export type { AttemptRecord } from "../artifacts/attempt-record.js";
export { UsageError } from "../core/errors.js";
// shared types and errors
export type { Example, SplitName, Splits } from "../core/example.js";
export type { GridPoint } from "../core/grid.js";
// the dataset builder
export { type BuildOptions, type BuildResult, buildDatasets } from "../dataset/build-pool.js";
export { generateSplits } from "../dataset/generate.js";
export { checkSpec, type DatasetSpec, datasetPath, derivedSeed } from "../dataset/spec.js";
export { type Dataset, loadOrBuildDataset } from "../dataset/store.js";
export {
  UserDataError,
  type UserDataFacts,
  type UserDataset,
} from "../dataset/user-data.js";
export {
  createEnumerativeProposer,
  DEFAULT_ENUMERATION_BUDGET,
  type EnumerationBudget,
} from "../enumerate/enumerative-proposer.js";
export { buildPaperPrompt } from "../prompt/paper-prompt.js";
// the Proposer interface, for your own proposer; the built-in ones
export {
  CallAbortedError,
  type Proposal,
  type Proposer,
  type ProposerContext,
  type ProposerSession,
  type Usage,
} from "../proposer/proposer.js";
export { PROVIDER_IDS } from "../proposer/registry.js";
export { ZERO_USAGE } from "../proposer/usage.js";
export { Budget, type BudgetOptions } from "../runner/budget.js";
// the grid runner
export {
  type GridRunDeps,
  type GridRunOptions,
  type GridRunResult,
  type GridRunStatus,
  type PreparedPoint,
  type ProgressState,
  type RunLogger,
  runGrid,
} from "../runner/grid-runner.js";
export { selectErm } from "../runner/selection.js";
export type { GridPlan, SkippedPoint } from "../tasks/registry.js";
// the task registry
export type { SampledPool, Task } from "../tasks/task.js";
export { extractCode } from "../verify/extract.js";
export { SANDBOX_CHOICES, type SandboxChoice, type SandboxMode } from "../verify/sandbox-launch.js";
// the verifier
export {
  createVerifier,
  DEFAULT_LIMITS,
  SandboxUnavailableError,
  type SandboxVerifier,
  type VerifierOptions,
} from "../verify/sandbox-verifier.js";
export type {
  CodeExtraction,
  OutcomeKind,
  ProtectionReport,
  SandboxLimits,
  SplitScore,
  Verifier,
  VerifyJob,
  VerifyResult,
} from "../verify/types.js";
// a user's data file, read as `run --data` reads it
export { type DataFileOptions, loadDataFile } from "./data-file.js";
// learn
export {
  type LearnAttempt,
  type LearnEvent,
  type LearnOptions,
  type LearnResult,
  learn,
} from "./learn.js";
export { type LearnExample, LearnInputError, type LearnInputIssue } from "./learn-input.js";
export { learnPrompt } from "./learn-prompt.js";

/** The task registry (one per module instance: the built-in fn_a.. and any you register). */
export interface TaskRegistry {
  /** The task with this id; a UsageError naming the known ids otherwise. */
  get(id: string): Task;
  /** Whether a task with this id is registered. */
  has(id: string): boolean;
  /** Every registered task, built-in ones first. */
  all(): readonly Task[];
  /** Adds a task (a new id and target name); worker threads do not see it, so its data is built here. */
  register(task: Task): void;
  /** True for the built-in tasks (every thread has them). */
  isBuiltIn(id: string): boolean;
  /** The grid points of these tasks at these lengths (defaults: all tasks, each at its paper lengths). */
  plan: typeof planGrid;
}

export const tasks: TaskRegistry = Object.freeze({
  get: getTask,
  has: (id: string) => listTasks().some((t) => t.id === id),
  all: listTasks,
  register: registerTask,
  isBuiltIn: isBuiltInTask,
  plan: planGrid,
});
