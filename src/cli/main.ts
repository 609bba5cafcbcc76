import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ExitCode, UsageError } from "../core/errors.js";
import { DatasetGenerationError } from "../dataset/generation-error.js";
import { registerCommands } from "./commands.js";

let stdoutGuarded = false;

/**
 * A reader that stops early (`llm-erm datasets verify | head -3`) closes the pipe. Instead of crashing on
 * EPIPE, the command goes on without stdout (the rest of its output has no reader) and ends with its own
 * exit code: a verify still checks every dataset and exits 4 on a damaged one, a run still writes its
 * artifacts. Messages on stderr are unaffected.
 */
function dropStdoutWhenItsReaderLeaves(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.stdout.write = (() => true) as typeof process.stdout.write;
  });
}

/** Entry point of the `llm-erm` command. Returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  dropStdoutWhenItsReaderLeaves();
  const program = new Command("llm-erm")
    .description(
      "Learn a hidden rule from labelled strings: propose short Python programs (a model or the built-in " +
        "enumerator), run each in a sandbox, keep the one that validates best.",
    )
    .version(packageVersion(), "-V, --version", "print the llm-erm version")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)");
  registerCommands(program);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return ExitCode.ok;
      if (err.code === "commander.help") return ExitCode.ok;
      return ExitCode.usage;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`llm-erm: ${err.message}\n`);
      return ExitCode.usage;
    }
    if (err instanceof DatasetGenerationError) {
      // A failure, said in one line (`datasets build`, `run --dry-run`; `run` also logs the cause).
      process.stderr.write(`llm-erm: ${err.message}\n`);
      return ExitCode.failure;
    }
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`llm-erm: ${message}\n`);
    return ExitCode.failure;
  }
}

/** The version in package.json (one level above both src/ and dist/). */
function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return typeof pkg === "object" && pkg !== null && "version" in pkg ? String(pkg.version) : "unknown";
}
