import type { Example } from "../core/example.js";
import { buildPaperPrompt } from "../prompt/paper-prompt.js";
import { buildUserPrompt } from "../prompt/user-prompt.js";

/**
 * The prompt `learn` gives a model for the caller's examples. Binary data the paper's prompt describes
 * (inputs of one length over 0/1, or over the digits) gets the paper's prompt byte for byte; other data
 * the prompt `run --data` gives for the same examples (the alphabet seen, the length range, the labels).
 */
export function learnPrompt(train: readonly Example[]): string {
  const lengths = train.map((e) => [...e.x].length);
  const min = Math.min(...lengths);
  const max = Math.max(...lengths);
  const chars = [...new Set(train.flatMap((e) => [...e.x]))].sort();
  const binary = train.every((e) => e.y === 0 || e.y === 1);
  if (binary && min === max && chars.every((c) => c === "0" || c === "1"))
    return buildPaperPrompt(train, { decimal: false, length: min });
  if (binary && min === max && chars.every((c) => c >= "0" && c <= "9"))
    return buildPaperPrompt(train, { decimal: true, length: min });
  return buildUserPrompt(train);
}
