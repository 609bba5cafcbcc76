// Every input string reaches the candidate exactly, whatever it holds: the protocol frames inputs by
// length, not by newlines. The candidate hashes what it got; the labels say which hashes to expect.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Example } from "../../src/core/example.js";
import { createVerifier, type SandboxVerifier } from "../../src/verify/sandbox-verifier.js";
import { TEST_LIMITS, TEST_SANDBOX } from "./sandbox-helpers.js";

let verifier: SandboxVerifier;
beforeAll(async () => {
  verifier = await createVerifier({ limits: TEST_LIMITS, sandbox: TEST_SANDBOX });
});
afterAll(() => verifier?.close());

/** Any code point, with the characters a line-based protocol would trip on drawn often. */
const CHARS = fc.oneof(
  fc.constantFrom("\n", "\r", "\u0000", ",", "\u2028", " "),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
);

const sha = (x: string) => createHash("sha256").update(Buffer.from(x, "utf8")).digest("hex");

/** Each input labelled 1 when its index is even; the candidate answers 1 exactly for the even inputs' hashes. */
async function roundTrip(inputs: readonly string[]) {
  const train: Example[] = inputs.map((x, i) => ({ x, y: i % 2 === 0 ? 1 : 0 }));
  const ones = train.filter((e) => e.y === 1).map((e) => sha(e.x));
  const zeros = train.filter((e) => e.y === 0).map((e) => sha(e.x));
  const code = [
    "import hashlib",
    `ONES = set(${JSON.stringify(ones)})`,
    `ZEROS = set(${JSON.stringify(zeros)})`,
    "def f(x):",
    "    h = hashlib.sha256(x.encode('utf-8')).hexdigest()",
    "    if h in ONES: return 1",
    "    if h in ZEROS: return 0",
    "    raise ValueError('an input arrived changed')",
  ].join("\n");
  return verifier.verify({ code, splits: { train } });
}

describe("inputs cross the sandbox exactly", () => {
  it("newlines, carriage returns, NUL, separators, quotes, unicode, emoji, empty and long strings", async () => {
    const hostile = [
      "a\nb",
      "\n",
      "\r\n",
      "x\u0000y",
      "",
      " ",
      "1,2,3",
      "'\"`",
      "\u2028\u2029",
      "naïve café",
      "😀👍🏽",
      "\u202eevil",
      "D 0 \nX crashed",
      "L f\n111",
      "x".repeat(100_000),
      "\\n",
    ];
    // Distinct strings only (the labels are per string).
    const r = await roundTrip([...new Set(hostile)]);
    expect(r.message).toBe("");
    expect([r.kind, r.scores.train?.accuracy]).toEqual(["ok", 1]);
  });

  it("law: any list of distinct strings arrives unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ unit: CHARS, maxLength: 40 }), { minLength: 1, maxLength: 30 }),
        async (inputs) => {
          // A lone surrogate has no UTF-8 form: it is sent as U+FFFD, as Buffer.from does.
          const normal = [...new Set(inputs.map((x) => Buffer.from(x, "utf8").toString("utf8")))];
          const r = await roundTrip(normal);
          expect(r.message).toBe("");
          expect([r.kind, r.scores.train?.accuracy]).toEqual(["ok", 1]);
        },
      ),
      { numRuns: 15 },
    );
  });
});
