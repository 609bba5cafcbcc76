import { Option } from "commander";
import { SANDBOX_CHOICES, type SandboxChoice } from "../verify/sandbox-launch.js";

/** `--sandbox auto|bubblewrap|unshare|rlimits`, shared by every command that runs candidates. */
export function sandboxOption(): Option {
  return new Option(
    "--sandbox <tier>",
    "isolation for candidates: auto = bubblewrap with a real uid drop, seccomp and cgroups, or refuse " +
      "(exit 2); unshare and rlimits are weaker and run only when named (docs/sandbox.md)",
  )
    .choices([...SANDBOX_CHOICES])
    .default("auto");
}

/** The parsed value (commander has checked the choice). */
export function sandboxChoice(value: unknown): SandboxChoice {
  return SANDBOX_CHOICES.find((c) => c === value) ?? "auto";
}
