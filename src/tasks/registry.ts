import { UsageError } from "../core/errors.js";
import type { GridPoint } from "../core/grid.js";
import { fnH } from "./dyck2-task.js";
import { fnAa } from "./graph-cycle-task.js";
import { fnG } from "./palindrome-task.js";
import { fnC, fnD } from "./pattern-tasks.js";
import { fnV } from "./prime-plus-47-task.js";
import { fnI, fnK } from "./prime-tasks.js";
import type { Task } from "./task.js";
import { fnA, fnB, fnE, fnF, fnJ, fnL } from "./uniform-tasks.js";

const TASKS = new Map<string, Task>();

/** Add a task (a new id; the runner and the datasets command pick it up from here). */
export function registerTask(task: Task): void {
  if (TASKS.has(task.id)) throw new Error(`task ${task.id} is already registered`);
  for (const t of TASKS.values()) {
    if (t.name === task.name) throw new Error(`target name ${task.name} is already used by ${t.id}`);
  }
  TASKS.set(task.id, task);
}

/** The paper's twelve, then the authors' later tasks selectable by name (fn_v, fn_aa: not in the default grid). */
const BUILT_IN = [fnA, fnB, fnC, fnD, fnE, fnF, fnG, fnH, fnI, fnJ, fnK, fnL, fnV, fnAa];
for (const task of BUILT_IN) registerTask(task);
const BUILT_IN_IDS: ReadonlySet<string> = new Set(BUILT_IN.map((t) => t.id));

/**
 * True for the tasks this module registers itself (fn_a..fn_l, fn_v, fn_aa), which every thread has; false for one
 * added with `registerTask` at run time, which only the thread that added it knows (a worker thread
 * imports this module afresh), so its work stays in that thread.
 */
export function isBuiltInTask(id: string): boolean {
  return BUILT_IN_IDS.has(id);
}

/** Every registered task, in registration order (fn_a..fn_l first). */
export function allTasks(): readonly Task[] {
  return [...TASKS.values()];
}

/** The tasks of the default grid (no --functions): every registered task but those only selectable by name. */
export function defaultGridTasks(): readonly Task[] {
  return allTasks().filter((t) => t.inDefaultGrid !== false);
}

/** The task with this function id; a UsageError naming the id and the known ones otherwise. */
export function getTask(id: string): Task {
  const task = TASKS.get(id);
  if (task === undefined) {
    throw new UsageError(`--functions: unknown function id '${id}' (known: ${[...TASKS.keys()].join(", ")})`);
  }
  return task;
}

/** A (task, length) left out of a grid because the task cannot take the length. */
export interface SkippedPoint {
  readonly fn: string;
  /** The task's target name. */
  readonly name: string;
  readonly length: number;
  /** Why the task cannot take it (its `checkLength` message). */
  readonly problem: string;
}

export interface GridPlan {
  readonly points: GridPoint[];
  /** Left out: only when lengths were named and the tasks were not. */
  readonly skipped: SkippedPoint[];
}

/**
 * The grid points: the named functions (default: all) at the named lengths (default: each task's paper
 * lengths). Named lengths apply to every task, fn_h included. A length a named task cannot have is a usage
 * error; when the tasks were not named (`--lengths 30` alone), the tasks that cannot take a length are
 * skipped at that length and listed in `skipped` (see `skippedLine`). No point left is a usage error.
 * `tasks` are the tasks to use when none are named (default: `defaultGridTasks()`, the paper's twelve and
 * any task registered at run time; fn_v and fn_aa only by name).
 */
export function planGrid(
  functions: string[] | undefined,
  lengths: number[] | undefined,
  tasks: readonly Task[] = defaultGridTasks(),
): GridPlan {
  const named = functions !== undefined;
  const chosen = named ? unique(functions).map(getTask) : tasks;
  const points: GridPoint[] = [];
  const skipped: SkippedPoint[] = [];
  for (const task of chosen) {
    for (const length of lengths === undefined ? task.paperLengths : unique(lengths)) {
      const problem = task.checkLength(length);
      if (problem === null) points.push({ fn: task.id, length });
      else if (named || lengths === undefined)
        throw new UsageError(`--lengths: ${task.id} (${task.name}) cannot have L=${length}: ${problem}`);
      else skipped.push({ fn: task.id, name: task.name, length, problem });
    }
  }
  if (points.length === 0) {
    const why = [...new Map(skipped.map((s) => [s.fn, s.problem])).entries()]
      .map(([fn, problem]) => `${fn}: ${problem}`)
      .join("; ");
    throw new UsageError(`--lengths ${(lengths ?? []).join(" ")}: no task can take these lengths (${why})`);
  }
  return { points, skipped };
}

/** `planGrid(...).points`: the grid points, without the list of what was skipped. */
export function resolveGrid(functions: string[] | undefined, lengths: number[] | undefined): GridPoint[] {
  return planGrid(functions, lengths).points;
}

/** One line saying which tasks were skipped at which lengths and why; undefined when none was. */
export function skippedLine(skipped: readonly SkippedPoint[]): string | undefined {
  if (skipped.length === 0) return undefined;
  const byTask = new Map<string, SkippedPoint[]>();
  for (const s of skipped) byTask.set(s.fn, [...(byTask.get(s.fn) ?? []), s]);
  const parts = [...byTask.entries()].map(([fn, list]) => {
    const lengths = list.map((s) => s.length).join(", ");
    return `${fn} (${list[0]?.name}) at L=${lengths} (${list[0]?.problem})`;
  });
  return `--lengths: skipped ${parts.join(", ")}; name the tasks with --functions to make this an error`;
}

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];
