import { UsageError } from "../core/errors.js";
import type { GridPoint } from "../core/grid.js";
import { fnH } from "./dyck2-task.js";
import { fnG } from "./palindrome-task.js";
import { fnC, fnD } from "./pattern-tasks.js";
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

for (const task of [fnA, fnB, fnC, fnD, fnE, fnF, fnG, fnH, fnI, fnJ, fnK, fnL]) registerTask(task);

/** Every registered task, in registration order (fn_a..fn_l first). */
export function allTasks(): readonly Task[] {
  return [...TASKS.values()];
}

/** The task with this function id; a UsageError naming the id and the known ones otherwise. */
export function getTask(id: string): Task {
  const task = TASKS.get(id);
  if (task === undefined) {
    throw new UsageError(`--functions: unknown function id '${id}' (known: ${[...TASKS.keys()].join(", ")})`);
  }
  return task;
}

/**
 * The grid points: the named functions (default: all) at the named lengths (default: each task's paper
 * lengths). Named lengths apply to every task, fn_h included; a length a task cannot have is an error.
 */
export function resolveGrid(functions: string[] | undefined, lengths: number[] | undefined): GridPoint[] {
  const tasks = functions === undefined ? allTasks() : unique(functions).map(getTask);
  const points: GridPoint[] = [];
  for (const task of tasks) {
    for (const length of lengths === undefined ? task.paperLengths : unique(lengths)) {
      const problem = task.checkLength(length);
      if (problem !== null) {
        throw new UsageError(`--lengths: ${task.id} (${task.name}) cannot have L=${length}: ${problem}`);
      }
      points.push({ fn: task.id, length });
    }
  }
  return points;
}

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];
