import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { UsageError } from "../core/errors.js";

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * `<jsonl>.lock` holding our pid: two runs appending to one JSONL would interleave attempts and both
 * pay for them. A lock left by a killed run (its pid gone) is taken over. Returns the release function.
 */
export function acquireRunLock(jsonl: string): () => void {
  const file = `${jsonl}.lock`;
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
      if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) {
        throw new UsageError(
          `${jsonl} is being written by another llm-erm run (pid ${pid}); wait for it, or give this run --out-dir / --shard`,
        );
      }
      rmSync(file, { force: true }); // stale: its run was killed
    }
  }
  throw new UsageError(`${file}: cannot take the lock`);
}
