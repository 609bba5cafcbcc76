import { type Command, Option } from "commander";
import { UsageError } from "../core/errors.js";
import { DEFAULT_ENUMERATION_BUDGET } from "../enumerate/enumerative-proposer.js";
import { DEFAULT_PROVIDER, getProvider, PROVIDER_IDS, providerKeyNames } from "../proposer/registry.js";
import {
  DEFAULT_MAX_OUTPUT_TOKENS,
  DEFAULT_MODEL,
  FLEX_FALLBACKS,
  REASONING_EFFORTS,
  SERVICE_TIERS,
  TOOL_CHOICES,
  VERBOSITIES,
} from "../proposer/request-options.js";

/** The defaults shown in --help: the default provider's (the paper's). */
const PAPER = {
  model: DEFAULT_MODEL,
  maxOutputTokens: DEFAULT_MAX_OUTPUT_TOKENS,
  ...getProvider(DEFAULT_PROVIDER).defaults,
};

import { addGridOptions } from "./grid-options.js";
import { sandboxOption } from "./sandbox-option.js";
import { addDataOptions } from "./user-data-run.js";

const int =
  (flag: string, min = 1) =>
  (value: string): number => {
    if (!/^\s*-?\d+\s*$/.test(value) || Number.parseInt(value, 10) < min) {
      throw new UsageError(`${flag}: expected an integer >= ${min}, got '${value}'`);
    }
    return Number.parseInt(value, 10);
  };

/** Any integer: what a provider accepts is its options schema's to say (--thinking-budget). */
const anyInt =
  (flag: string) =>
  (value: string): number => {
    if (!/^\s*-?\d+\s*$/.test(value)) throw new UsageError(`${flag}: expected an integer, got '${value}'`);
    return Number.parseInt(value, 10);
  };

const positiveNumber =
  (flag: string) =>
  (value: string): number => {
    const v = Number(value);
    if (value.trim() === "" || !Number.isFinite(v) || v <= 0)
      throw new UsageError(`${flag}: expected a positive number, got '${value}'`);
    return v;
  };

const choice =
  (flag: string, values: readonly string[]) =>
  (value: string): string => {
    if (!values.includes(value))
      throw new UsageError(`${flag}: expected one of ${values.join(", ")}, got '${value}'`);
    return value;
  };

const RUN_HELP_EPILOG = `
Examples:
  # no key: the built-in enumerator on the whole paper grid (about a minute on 2 cores)
  npx llm-erm run
  # the paper's minimal command, with a model
  export OPENAI_API_KEY=sk-...
  npx llm-erm run --functions fn_a --lengths 50 --attempts 5 --enable-code-interpreter --concurrency 1 --timeout 1200
  # your own data: a CSV with columns input,label (several files: several grid points)
  npx llm-erm run --data examples.csv --train-size 40 --val-size 40
  # resume: run the same command again (finished attempts are never re-asked); split over 4 machines:
  npx llm-erm run --enable-code-interpreter --shard 2/4    # then: npx llm-erm report

Artifacts (in --out-dir): results_attempts.jsonl/.csv, results_summary.csv/.json, runner.log,
run_manifest.json (settings, versions, sandbox, dataset hashes; one session per run).
Exit codes: 0 done; 1 a grid point failed; 2 bad flags/env or pre-flight refused; 3 a budget stopped
the run (raise it and rerun to resume); 4 damaged dataset, JSONL or manifest (the message names the file and
line); 130 interrupted (rerun to resume).`;

/** `llm-erm run`: the paper's runner, with its flags, defaults and environment variables. */
export function registerRunCommand(program: Command): void {
  const cmd = program
    .command("run")
    .description(
      "run the grid: for each (function, length) ask the proposer for programs, verify each in the sandbox, " +
        "stop early at validation accuracy 1.0, keep the ERM choice; resumable (run the same command again)",
    );
  addDataOptions(addGridOptions(cmd))
    .addOption(
      new Option(
        "--prompt-template <file>",
        "the prompt from a template with placeholders {examples} {n} {alphabet} {min_length} {max_length} {length} {labels} {label_kind} (docs/data.md); part of the config fingerprint",
      ),
    )
    .addOption(
      new Option("--attempts <n>", "attempts per grid point (default: 5) [env ATTEMPTS]").argParser(
        int("--attempts"),
      ),
    )
    .addOption(
      new Option(
        "--trials <n>",
        "independent trials per grid point, each with its own attempts, early stop and ERM selection; the summary gives test accuracy mean, std and a 95% interval (default: 1)",
      ).argParser(int("--trials")),
    )
    .addOption(
      new Option(
        "--provider <name>",
        `auto | ${[...PROVIDER_IDS, "enumerative"].join(" | ")} (default: auto when ${providerKeyNames().join(" or ")} is set, else enumerative; auto: claude-* -> anthropic, gemini-* -> gemini, else ${DEFAULT_PROVIDER})`,
      ).argParser(choice("--provider", ["auto", ...PROVIDER_IDS, "enumerative"])),
    )
    .addOption(
      new Option(
        "--base-url <url>",
        "the provider's API base URL, passed to its SDK (default: OPENAI_BASE_URL for openai and openai-chat, else the SDK's own; e.g. http://localhost:11434/v1 for Ollama)",
      ),
    )
    .addOption(new Option("--model <name>", `model (default: ${PAPER.model}) [env OPENAI_MODEL]`))
    .addOption(
      new Option(
        "--max-output-tokens <n>",
        `max_output_tokens per call (default: ${PAPER.maxOutputTokens}) [env MAX_OUTPUT_TOKENS]`,
      ).argParser(int("--max-output-tokens")),
    )
    .addOption(
      new Option(
        "--reasoning-effort <effort>",
        `${REASONING_EFFORTS.join(" | ")} (default: ${PAPER.reasoningEffort}) [env REASONING_EFFORT]`,
      ).argParser(choice("--reasoning-effort", REASONING_EFFORTS)),
    )
    .addOption(
      new Option(
        "--verbosity <v>",
        `${VERBOSITIES.join(" | ")} | off (default: ${PAPER.verbosity}) [env TEXT_VERBOSITY]`,
      ).argParser(choice("--verbosity", [...VERBOSITIES, "off"])),
    )
    .addOption(
      new Option(
        "--tool-choice <c>",
        `${TOOL_CHOICES.join(" | ")} (default: ${PAPER.toolChoice}) [env TOOL_CHOICE]`,
      ).argParser(choice("--tool-choice", TOOL_CHOICES)),
    )
    .addOption(
      new Option(
        "--enable-code-interpreter",
        "give the model the code interpreter tool (default: off; the paper's runs turn it on) [env ENABLE_CODE_INTERPRETER]",
      ),
    )
    .addOption(
      new Option(
        "--structured-output",
        'ask for {"code": string} with a json_schema text format (default: off, the paper\'s free text)',
      ),
    )
    .addOption(
      new Option(
        "--thinking-budget <n>",
        "anthropic: extended thinking with this budget_tokens (>= 1024, below --max-output-tokens); gemini: thinkingConfig.thinkingBudget (-1 dynamic, 0 off, or tokens); default: none sent",
      ).argParser(anyInt("--thinking-budget")),
    )
    .addOption(
      new Option(
        "--background",
        "create responses in background mode and poll (for long reasoning calls; default: off)",
      ),
    )
    .addOption(
      new Option(
        "--batch-api",
        "openai and anthropic: send each wave of attempts (attempt k of every unsolved grid point) as one batch at the batch price (about half); polled, resumable after a kill without submitting again; --timeout does not apply (default: off)",
      ),
    )
    .addOption(
      new Option(
        "--batch-window <hours>",
        "with --batch-api: hours to wait for a batch before cancelling it and recording its unfinished attempts as failed (default and most: 24, OpenAI's completion_window)",
      ).argParser(positiveNumber("--batch-window")),
    )
    .addOption(
      new Option(
        "--batch-poll <s>",
        "with --batch-api: seconds before a batch's first poll; the wait grows 1.5x up to 60 s (default: 5)",
      ).argParser(positiveNumber("--batch-poll")),
    )
    .addOption(
      new Option(
        "--service-tier <tier>",
        `openai: ${SERVICE_TIERS.join(" | ")} sent as service_tier, recorded per attempt and priced by the tier that served it (flex: about half; default: not sent)`,
      ).argParser(choice("--service-tier", SERVICE_TIERS)),
    )
    .addOption(
      new Option(
        "--flex-fallback <how>",
        `with --service-tier flex, a call refused for capacity (429): ${FLEX_FALLBACKS.join(" | ")} (auto: send it again at once with service_tier auto, standard price; retry: back off and retry flex; fail: record the attempt as failed; default: auto)`,
      ).argParser(choice("--flex-fallback", FLEX_FALLBACKS)),
    )
    .addOption(
      new Option(
        "--prompt-cache",
        "openai: prompt_cache_key per grid point; anthropic: cache_control on the prompt; attempts 2.. of a grid point read the prompt from the cache at the cached rate (default: off)",
      ),
    )
    .addOption(
      new Option(
        "--timeout <s>",
        "seconds per call, or per background response before it is cancelled (default: 1200) [env PER_CALL_TIMEOUT_S]",
      ).argParser(positiveNumber("--timeout")),
    )
    .addOption(
      new Option(
        "--concurrency <n>",
        "proposer calls in flight across grid points (default: 5; with the enumerator, the number of cores, since each call is a CPU-bound search) [env CONCURRENCY]",
      ).argParser(int("--concurrency")),
    )
    .addOption(
      new Option(
        "--batch <b>",
        "candidates drawn at once per grid point; the rest are cancelled on early stop (default: 1)",
      ).argParser(int("--batch")),
    )
    .addOption(
      new Option(
        "--enum-max-programs <n>",
        `enumerator: programs built per grid point (default: ${DEFAULT_ENUMERATION_BUDGET.maxPrograms})`,
      ).argParser(int("--enum-max-programs")),
    )
    .addOption(
      new Option(
        "--enum-max-seconds <s>",
        `enumerator: seconds of search per grid point, a safety net (default: ${DEFAULT_ENUMERATION_BUDGET.maxSeconds})`,
      ).argParser(positiveNumber("--enum-max-seconds")),
    )
    .addOption(
      new Option(
        "--enum-max-size <n>",
        `enumerator: largest program size (default: ${DEFAULT_ENUMERATION_BUDGET.maxSize})`,
      ).argParser(int("--enum-max-size")),
    )
    .addOption(
      new Option(
        "--max-cost-usd <usd>",
        "stop before a call that could take the estimated cost past this (default: no limit)",
      ).argParser(positiveNumber("--max-cost-usd")),
    )
    .addOption(
      new Option(
        "--max-tokens <n>",
        "stop before a call that could take the total tokens past this (default: no limit)",
      ).argParser(int("--max-tokens")),
    )
    .addOption(
      new Option(
        "--prices <file>",
        "JSON price table {model: {input, cached_input, output}} in USD per 1M tokens, over the built-in one",
      ),
    )
    .addOption(
      new Option(
        "--test-selected-only",
        "score the test split only for the ERM-selected program (default: every attempt, as the paper)",
      ),
    )
    .addOption(
      new Option(
        "--python <path>",
        "Python interpreter for the sandbox (default: python3); part of the config fingerprint",
      ),
    )
    .addOption(sandboxOption())
    .addOption(new Option("--out-dir <dir>", "directory for the artifacts (default: the current directory)"))
    .addOption(
      new Option("--out-jsonl <file>", "attempt records (default: results_attempts.jsonl) [env OUT_JSONL]"),
    )
    .addOption(new Option("--out-csv <file>", "attempt table (default: results_attempts.csv) [env OUT_CSV]"))
    .addOption(
      new Option("--fresh", "start over: delete the JSONL's attempts instead of resuming (default: resume)"),
    )
    .addOption(
      new Option(
        "--shard <i/n|auto>",
        "run only shard i of n (round-robin over the grid; default: the whole grid); auto: from SLURM_ARRAY_TASK_ID/COUNT or a Kubernetes Indexed Job (docs/cluster.md)",
      ),
    )
    .addOption(new Option("--skip-preflight", "do not check key, base URL and model before the grid starts"))
    .addOption(new Option("--log-level <level>", "runner.log level (default: info) [env LOG_LEVEL]"))
    .addOption(
      new Option("--dry-run", "build/reuse the datasets and print the prompts; call nothing [env DRY_RUN]"),
    )
    .addHelpText("after", RUN_HELP_EPILOG)
    .action(async (opts: Record<string, unknown>) => {
      const { runCommand } = await import("./run-action.js");
      process.exitCode = await runCommand(opts, process.argv);
    });
}
