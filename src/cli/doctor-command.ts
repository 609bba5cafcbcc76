import { existsSync, mkdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { ExitCode } from "../core/errors.js";
import {
  DEFAULT_PROVIDER,
  getProvider,
  PROVIDER_IDS,
  providerEnv,
  providerForModel,
} from "../proposer/registry.js";
import { DEFAULT_MAX_OUTPUT_TOKENS, DEFAULT_MODEL } from "../proposer/request-options.js";
import { sanitizeChildText } from "../verify/protocol.js";
import { probePython } from "../verify/python-probe.js";
import { createVerifier } from "../verify/sandbox-verifier.js";
import { sandboxChoice, sandboxOption } from "./sandbox-option.js";

/** One line of the doctor's table. `fail` makes the exit code 1; `warn` is shown but does not. */
export interface DoctorCheck {
  readonly check: string;
  readonly status: "ok" | "warn" | "fail";
  readonly detail: string;
}

/** `llm-erm doctor`: before anyone spends money, is a run here safe, and would it work? */
export function registerDoctorCommand(program: Command): void {
  program
    .command("doctor")
    .description(
      "check this machine before a run: python, the sandbox tier and every protection (measured by a " +
        "probe), cgroup limits, the provider key (never printed) and its server, the dataset dir, free " +
        "disk; exit 0 only when a run would be safe and work",
    )
    .addOption(new Option("--python <path>", "python3 interpreter the sandbox runs").default("python3"))
    .addOption(sandboxOption())
    .addOption(new Option("--dataset-dir <dir>", "where datasets are written").default("datasets"))
    .addOption(
      new Option(
        "--provider <name>",
        `auto | ${PROVIDER_IDS.join(" | ")}: whose key and server to check (default auto: by --model's name, as \`run\` chooses)`,
      ).choices(["auto", ...PROVIDER_IDS]),
    )
    .addOption(
      new Option(
        "--model <model>",
        `model for the provider pre-flight (default: ${DEFAULT_MODEL}) [env OPENAI_MODEL]`,
      ),
    )
    .addOption(
      new Option("--base-url <url>", "the provider's base URL (default: its variable, else its SDK's)"),
    )
    .addOption(new Option("--json", "print the checks as JSON"))
    .action(async (opts: Record<string, unknown>) => {
      const model =
        (opts.model as string | undefined) ?? (process.env.OPENAI_MODEL || undefined) ?? DEFAULT_MODEL;
      const requested = (opts.provider as string | undefined) ?? "auto";
      let provider = DEFAULT_PROVIDER;
      let providerError: string | undefined;
      try {
        provider = requested === "auto" ? providerForModel(model) : requested;
      } catch (err) {
        providerError = errText(err);
      }
      const env = providerEnv(getProvider(provider), process.env, opts.baseUrl as string | undefined);
      const checks = await runDoctor({
        python: String(opts.python),
        sandbox: sandboxChoice(opts.sandbox),
        datasetDir: String(opts.datasetDir),
        provider,
        model,
        apiKey: env.apiKey,
        baseURL: env.baseURL,
        ...(providerError !== undefined ? { providerError } : {}),
      });
      process.stdout.write(opts.json ? `${JSON.stringify(checks, null, 2)}\n` : formatTable(checks));
      process.exitCode = checks.some((c) => c.status === "fail") ? ExitCode.failure : ExitCode.ok;
    });
}

export interface DoctorOptions {
  readonly python: string;
  readonly sandbox: ReturnType<typeof sandboxChoice>;
  readonly datasetDir: string;
  /** A provider of the registry (default: openai). */
  readonly provider?: string;
  readonly model: string;
  /** The provider's key (from its variables; never printed). */
  readonly apiKey: string | undefined;
  readonly baseURL: string | undefined;
  /** `--provider auto` could not choose one: a fail row. */
  readonly providerError?: string;
}

/** The protections a run relies on, in the order the table shows them, with what each means. */
const PROTECTIONS: readonly (readonly [key: string, label: string, required: boolean])[] = [
  ["host_root", "no host root", true],
  ["filesystem_isolated", "filesystem isolated", true],
  ["net_namespace", "network isolated", true],
  ["pid_namespace", "pid namespace", true],
  ["seccomp", "seccomp filter", true],
  ["fork_blocked", "fork blocked", true],
  ["proc_sys_read_only", "/proc/sys read-only", true],
  ["devices_protected", "devices protected", true],
  ["private_shm", "private /dev/shm", true],
  ["no_new_privs", "no new privileges", true],
  ["cgroup_limits", "cgroup limits", true],
];

/** Runs every check; never throws (a failure is a `fail` row). */
export async function runDoctor(opts: DoctorOptions): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const add = (check: string, status: DoctorCheck["status"], detail: string) =>
    checks.push({ check, status, detail: sanitizeChildText(detail, 400) });

  let pythonOk = false;
  try {
    const info = await probePython(opts.python);
    add("python", "ok", `${info.executable} (Python ${info.version})`);
    pythonOk = true;
  } catch (err) {
    add("python", "fail", errText(err));
  }

  if (pythonOk) {
    try {
      const v = await createVerifier({ python: opts.python, sandbox: opts.sandbox, concurrency: 1 });
      try {
        const p = v.protections;
        add(
          "sandbox tier",
          opts.sandbox === "auto" || opts.sandbox === "bubblewrap" ? "ok" : "warn",
          `${v.mode} (--sandbox ${opts.sandbox}; uid drop: ${p.uid_drop})`,
        );
        add("uid seen from outside", p.host_root ? "fail" : "ok", String(p.uid));
        for (const [key, label, required] of PROTECTIONS) {
          if (key === "host_root") continue;
          const held = p[key] === true;
          const detail =
            key === "cgroup_limits"
              ? String(p.cgroup)
              : key === "seccomp"
                ? String(p.seccomp_detail)
                : key === "pid_namespace"
                  ? held
                    ? "given by the tier"
                    : "absent"
                  : held
                    ? "measured by the probe"
                    : "absent (measured by the probe)";
          add(label, held ? "ok" : required && opts.sandbox === "auto" ? "fail" : "warn", detail);
        }
        if (p.warnings) add("gives up", "warn", String(p.warnings));
      } finally {
        await v.close();
      }
    } catch (err) {
      add("sandbox tier", "fail", errText(err));
    }
  }

  await checkProvider(opts, add);

  const dir = resolve(opts.datasetDir);
  // A directory the doctor had to make is removed again: the check leaves nothing behind.
  let made: string | undefined;
  try {
    made = mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.llm-erm-doctor-${process.pid}`);
    writeFileSync(probe, "ok");
    rmSync(probe);
    add("dataset dir", "ok", `${dir} is writable`);
  } catch (err) {
    add("dataset dir", "fail", `${dir}: ${errText(err)}`);
  }
  try {
    const fs = statfsSync(existsSync(dir) ? dir : dirname(dir));
    const free = fs.bavail * fs.bsize;
    const gib = free / 1024 ** 3;
    // The paper grid's datasets take about 60 MB; a model run's artifacts a few more.
    add(
      "free disk",
      free < 256 * 1024 ** 2 ? "fail" : free < 2 * 1024 ** 3 ? "warn" : "ok",
      `${gib.toFixed(1)} GiB free at ${dir}`,
    );
  } catch (err) {
    add("free disk", "warn", errText(err));
  }
  if (made) rmSync(made, { recursive: true, force: true });
  return checks;
}

/**
 * The provider's key (named as the provider names it, never printed) and its pre-flight: the same
 * check `run` makes before the grid (key, base URL, model), through the registry.
 */
async function checkProvider(
  opts: DoctorOptions,
  add: (check: string, status: DoctorCheck["status"], detail: string) => void,
): Promise<void> {
  if (opts.providerError !== undefined) {
    add("provider", "fail", opts.providerError);
    return;
  }
  let p: ReturnType<typeof getProvider>;
  try {
    p = getProvider(opts.provider ?? DEFAULT_PROVIDER);
  } catch (err) {
    add("provider", "fail", errText(err));
    return;
  }
  const keyName = p.keyEnv.join(" or ");
  // openai-chat talks to local servers that need no key: its pre-flight runs without one.
  const keyOptional = p.id === "openai-chat";
  if (!opts.apiKey) {
    add(
      keyName,
      "ok",
      keyOptional
        ? "not set (a local server needs none)"
        : "not set: `run` uses the built-in enumerator (no model is called)",
    );
    if (!keyOptional) return;
  } else {
    add(keyName, "ok", "set (not printed)");
  }
  try {
    const configured = p.resolve(
      {
        model: opts.model,
        maxOutputTokens: DEFAULT_MAX_OUTPUT_TOKENS,
        codeInterpreter: false,
        structuredOutput: false,
        background: false,
        timeoutS: 15,
      },
      { apiKey: opts.apiKey, baseURL: opts.baseURL },
    );
    await configured.preflight();
    add(
      "provider",
      "ok",
      `${p.id}: ${opts.baseURL ?? (p.id === "openai" ? "https://api.openai.com/v1" : "its SDK's default URL")} knows ${opts.model}`,
    );
  } catch (err) {
    add("provider", "fail", `${p.id}: ${errText(err)}`);
  }
}

/** A fixed-width table: check, status, detail. */
export function formatTable(checks: readonly DoctorCheck[]): string {
  const w = Math.max(5, ...checks.map((c) => c.check.length));
  const lines = [`${"check".padEnd(w)}  status  detail`, `${"-".repeat(w)}  ------  ------`];
  for (const c of checks) lines.push(`${c.check.padEnd(w)}  ${c.status.padEnd(6)}  ${c.detail}`);
  const fails = checks.filter((c) => c.status === "fail").length;
  lines.push(
    "",
    fails === 0
      ? "a run here would be safe and work (exit 0)"
      : `${fails} check(s) failed: fix them before a run (exit 1)`,
  );
  return `${lines.join("\n")}\n`;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
