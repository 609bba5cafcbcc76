/**
 * A dataset's examples could not be generated (the task's sampler threw): exit code 1, with one line
 * naming the task, the length and the sizes; the cause's stack goes to runner.log, not to the terminal.
 * (Asking for more distinct examples than exist is a UsageError instead, exit 2.) Its fields are
 * primitives, so it crosses a worker thread with its class.
 */
export class DatasetGenerationError extends Error {
  override readonly name = "DatasetGenerationError";
  constructor(
    readonly fn: string,
    readonly length: number,
    /** `train 100, val 100, test 10000, seed 42` */
    readonly sizes: string,
    /** The cause as `Class: message`. */
    readonly problem: string,
    /** The cause's stack, for runner.log. */
    readonly causeStack: string,
  ) {
    super(`cannot generate the dataset of ${fn} L=${length} (${sizes}): ${problem}`);
  }
}
