// Each split is scored under its own limits, in order; a later split never erases an earlier one, and
// progress counts what was answered.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier, type SandboxVerifier } from "../../src/verify/sandbox-verifier.js";
import { examples, TEST_LIMITS, TEST_SANDBOX } from "./sandbox-helpers.js";

let verifier: SandboxVerifier;
beforeAll(async () => {
  verifier = await createVerifier({ limits: { ...TEST_LIMITS, wallMs: 1_500 }, sandbox: TEST_SANDBOX });
});
afterAll(() => verifier?.close());

const lastBit = (x: string) => (x.endsWith("1") ? 1 : 0);

describe("per-split limits", () => {
  it("a program perfect on train and val but too slow on test keeps its val score; test alone times out", async () => {
    const train = examples(30, lastBit);
    const val = examples(30, lastBit);
    const test = examples(2000, lastBit);
    // 1 ms per call: 60 ms for train+val, 2 s for test, past its own 1.5 s clock.
    const r = await verifier.verify({
      code: "import time\ndef f(x):\n    time.sleep(0.001)\n    return x[-1]\n",
      splits: { train, val, test },
    });
    expect(r.kind).toBe("timeout");
    expect(r.scores.train?.accuracy).toBe(1);
    expect(r.scores.val?.accuracy).toBe(1);
    expect(r.scores.test?.correct).toBe(0);
    expect(r.splitOutcomes?.train?.kind).toBe("ok");
    expect(r.splitOutcomes?.val?.kind).toBe("ok");
    expect(r.splitOutcomes?.test?.kind).toBe("timeout");
    expect(r.message).toMatch(/ in test after \d+\/2000 inputs answered/);
  });

  it("each split gets its own wall clock: three splits of 1 s each pass under a 1.5 s limit", async () => {
    const mk = () => examples(100, lastBit);
    const r = await verifier.verify({
      code: "import time\ndef f(x):\n    time.sleep(0.01)\n    return x[-1]\n",
      splits: { train: mk(), val: mk(), test: mk() },
    });
    expect(r.kind).toBe("ok");
    expect(r.scores.test?.accuracy).toBe(1);
  });

  it("the progress message counts what was answered: 20 fast answers, then a hang", async () => {
    const train = examples(30, lastBit);
    const r = await verifier.verify({
      code: "import time\nn = [0]\ndef f(x):\n    n[0] += 1\n    if n[0] > 20:\n        time.sleep(60)\n    return x[-1]\n",
      splits: { train },
    });
    expect(r.kind).toBe("timeout");
    expect(r.message).toMatch(/in train after 20\/30 inputs answered/);
  });
});
