import type { z } from "zod";

const FLAGS: Record<string, string> = {
  model: "--model",
  maxOutputTokens: "--max-output-tokens",
  reasoningEffort: "--reasoning-effort",
  effort: "--reasoning-effort",
  thinkingLevel: "--reasoning-effort",
  codeExecution: "--enable-code-interpreter",
  verbosity: "--verbosity",
  toolChoice: "--tool-choice",
  codeInterpreter: "--enable-code-interpreter",
  structuredOutput: "--structured-output",
  background: "--background",
  thinkingBudget: "--thinking-budget",
};

/** A provider's options schema refused a value: the message names the flag and the provider. */
export function flagOfOption(error: z.ZodError, provider: string): string {
  const issue = error.issues[0];
  const key = String(issue?.path[0] ?? "");
  return `${FLAGS[key] ?? key}: ${issue?.message ?? "invalid"} (--provider ${provider})`;
}
