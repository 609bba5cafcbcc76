import { describe, expect, it } from "vitest";
import type { AttemptRecord } from "../../src/artifacts/attempt-record.js";
import { needsSelectedTest, scoreSelectedTest } from "../../src/runner/selected-test.js";
import type { Verifier } from "../../src/verify/types.js";
import { captureLogger, fakeExtract, fakeSplits, fakeVerifier } from "../helpers/fakes.js";

const parity = (x: string) => [...x].filter((c) => c === "1").length % 2;
const rec = (attempt: number, val: number | null, program: string, test: number | null = null) =>
  ({
    fn: "fn_a",
    length: 8,
    attempt,
    val_acc: val,
    train_acc: val,
    test_acc: test,
    text: JSON.stringify({ code: `# MARK:${program}\ndef f(x): ...` }),
    ts: "T0",
  }) as AttemptRecord;

function setup(verifier: Verifier = fakeVerifier({ right: parity, wrong: () => 0 })) {
  const appended: AttemptRecord[] = [];
  const logger = captureLogger();
  const deps = {
    test: fakeSplits(8).test,
    verifier,
    extractCode: fakeExtract,
    append: (r: AttemptRecord) => {
      appended.push(r);
    },
    logger,
  };
  return { deps, appended, logger };
}

describe("the --test-selected-only pass", () => {
  it("is needed only with the flag, for a selected attempt whose test is unknown", () => {
    const records = [rec(1, 0.5, "wrong"), rec(2, 0.75, "right")];
    expect(needsSelectedTest(records, true)).toBe(true);
    expect(needsSelectedTest(records, false)).toBe(false);
    expect(needsSelectedTest([rec(1, null, "x")], true)).toBe(false); // nothing selected
    expect(needsSelectedTest([rec(1, 0.5, "wrong"), rec(2, 0.75, "right", 1)], true)).toBe(false);
  });

  it("scores test for the selected program only, as a newer record of that attempt", async () => {
    const records = [rec(1, 0.5, "wrong"), rec(2, 0.75, "right")];
    const { deps, appended, logger } = setup();
    await scoreSelectedTest(records, deps, { fn: "fn_a", length: 8 });
    expect(appended).toHaveLength(1);
    expect(appended[0]).toMatchObject({ attempt: 2, test_acc: 1, test_scored_later: true });
    expect(appended[0]!.ts).not.toBe("T0");
    expect(records[1]).toBe(appended[0]);
    expect(records[0]!.test_acc).toBeNull();
    expect(logger.lines.map((l) => l.msg)).toEqual(["test scored for the selected program"]);
    await scoreSelectedTest(records, deps, {});
    expect(appended).toHaveLength(1); // known now: nothing more
  });

  it("a selected answer without code scores 0; a verifier that throws records nothing", async () => {
    const noCode = [{ ...rec(1, 0, "x"), text: "no code here" }];
    const ok = setup();
    await scoreSelectedTest(noCode, ok.deps, {});
    expect(ok.appended[0]!.test_acc).toBe(0);
    const throwing: Verifier = {
      protections: {},
      verify: async () => {
        throw new Error("sandbox gone");
      },
      close: async () => {},
    };
    const broken = setup(throwing);
    const records = [rec(1, 0.5, "right")];
    await expect(scoreSelectedTest(records, broken.deps, {})).rejects.toThrow(
      "scoring the test split of the selected attempt 1 failed: sandbox gone (run again to retry)",
    );
    expect(broken.appended).toEqual([]);
    expect(records[0]!.test_acc).toBeNull();
  });
});
