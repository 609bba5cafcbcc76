import type { Example } from "../core/example.js";
import { formatExample } from "../dataset/line-format.js";
import { buildPaperPrompt } from "../prompt/paper-prompt.js";

/**
 * The prompt `learn` gives a model for the caller's examples. Data the paper's prompt describes
 * (inputs of one length over 0/1, or over the digits) gets the paper's prompt byte for byte; other data
 * the same wording with the alphabet seen and the length range in place of "(binary, length L)".
 */
export function learnPrompt(train: readonly Example[]): string {
  const lengths = train.map((e) => [...e.x].length);
  const min = Math.min(...lengths);
  const max = Math.max(...lengths);
  const chars = [...new Set(train.flatMap((e) => [...e.x]))].sort();
  if (min === max && chars.every((c) => c === "0" || c === "1"))
    return buildPaperPrompt(train, { decimal: false, length: min });
  if (min === max && chars.every((c) => c >= "0" && c <= "9"))
    return buildPaperPrompt(train, { decimal: true, length: min });
  const alphabet = chars.map((c) => JSON.stringify(c)).join(", ");
  const length = min === max ? `length ${min}` : `lengths ${min} to ${max}`;
  return (
    "**Problem Statement:**\n" +
    `Given a sequence of input strings (characters ${alphabet}; ${length}) and their corresponding scalar binary ` +
    "outputs ('0' or '1'), find a concise Python function `f(x)` that accurately approximates the underlying " +
    "relationship. The function should not be a trainable model, but a direct logical or mathematical " +
    "representation of the target function.\n" +
    "**Data Examples:**\n" +
    "```\n" +
    train.map((e) => `${formatExample(e)}\n`).join("") +
    "```\n\n" +
    'You must output ONLY a single JSON object: {"code": "<python function>"}.'
  );
}
