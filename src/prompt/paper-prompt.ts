import type { Example } from "../core/example.js";
import { formatExample } from "../dataset/line-format.js";

/**
 * The paper's prompt, byte for byte (fixtures: test/fixtures/paper_prompt_{binary,decimal}.txt): the problem
 * statement naming the alphabet (`alphabet`, else binary or decimal) and the length, the training lines
 * between fences in file order, and the output contract. No trailing newline.
 */
export function buildPaperPrompt(
  train: readonly Example[],
  opts: { decimal: boolean; length: number; alphabet?: string },
): string {
  // "binary" / "decimal" for the twelve (byte for byte); a task with another alphabet names its own (fn_aa)
  const kind = opts.alphabet ?? (opts.decimal ? "decimal" : "binary");
  return (
    "**Problem Statement:**\n" +
    `Given a sequence of input vectors (${kind}, length ${opts.length}) and their corresponding scalar binary ` +
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
