import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import pino, { type Logger } from "pino";

/**
 * runner.log: pino JSON lines, written synchronously so a kill -9 keeps every line already logged
 * (the rate is a few lines per attempt). Appends across resumed runs.
 */
export function createRunLogger(file: string, level: string): Logger {
  mkdirSync(dirname(file), { recursive: true });
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: file, sync: true, append: true, mkdir: true }),
  );
}
