import { describe, expect, it } from "vitest";
import { normaliseUsage } from "../../src/proposer/openai-usage.js";
import type { Proposal } from "../../src/proposer/proposer.js";
import {
  type AttemptContext,
  callErrorRecord,
  noCodeRecord,
  recordBase,
  scoreAttempt,
  trialField,
  verifiedRecord,
} from "../../src/runner/record-builder.js";
import type { Verifier, VerifyResult } from "../../src/verify/types.js";
import { fakeExtract, fakeSplits, fakeVerifier } from "../helpers/fakes.js";

const ctx: AttemptContext = {
  point: { fn: "fn_a", length: 8 },
  attempt: 2,
  prompt: "P",
  proposer: "fake",
  fingerprint: "fp",
};
const usage = normaliseUsage({ input_tokens: 100, output_tokens: 50 });
const proposal = (text: string, over: Partial<Proposal> = {}): Proposal => ({
  text,
  durationMs: 7,
  usage,
  ...over,
});
const code = (name: string) => JSON.stringify({ code: `# MARK:${name}\ndef f(x): ...` });
const parity = (x: string) => [...x].filter((c) => c === "1").length % 2;
const deps = (over: { testSelectedOnly?: boolean; verifier?: Verifier } = {}) => ({
  splits: fakeSplits(8),
  verifier: over.verifier ?? fakeVerifier({ right: parity, wrong: () => 0 }),
  extractCode: fakeExtract,
  testSelectedOnly: over.testSelectedOnly ?? false,
});
const result = (kind: VerifyResult["kind"], val: number): VerifyResult => ({
  kind,
  message: kind === "ok" ? "" : "boom",
  scores: { val: { correct: 0, total: 10, accuracy: val, exceptions: 0 } },
  durationMs: 3,
});

describe("record builder", () => {
  it("names trial 2 and up, never trial 1", () => {
    expect(trialField({ fn: "fn_a", length: 8 })).toEqual({});
    expect(trialField({ fn: "fn_a", length: 8, trial: 1 })).toEqual({});
    expect(trialField({ fn: "fn_a", length: 8, trial: 3 })).toEqual({ trial: 3 });
  });

  it("the base carries the call's facts, spend marks only for an estimate", () => {
    const base = recordBase(
      { ...ctx, point: { fn: "fn_a", length: 8, trial: 2 } },
      proposal("t"),
      { costUsd: 0.5 },
      "T",
    );
    expect(base).toMatchObject({ fn: "fn_a", length: 8, trial: 2, attempt: 2, prompt: "P", text: "t" });
    expect(base).toMatchObject({ duration_ms: 7, prompt_tokens: 100, completion_tokens: 50, tool_uses: 0 });
    expect(base).toMatchObject({ proposer: "fake", config_fingerprint: "fp", cost_usd: 0.5, ts: "T" });
    expect(base).not.toHaveProperty("spend_estimated");
    const estimated = recordBase(
      ctx,
      proposal("t", { usage: undefined }),
      { costUsd: 1, estimatedTokens: 9 },
      "T",
    );
    expect(estimated).toMatchObject({
      spend_estimated: true,
      estimated_tokens: 9,
      usage: { total_tokens: 0 },
    });
  });

  it("a failed call scores nothing; an answer without code scores 0 (test null when scored later)", () => {
    const base = recordBase(ctx, proposal(""), { costUsd: 0 }, "T");
    expect(callErrorRecord(base, "timeout")).toMatchObject({
      val_acc: null,
      test_acc: null,
      train_acc: null,
      outcome: "call_error",
      error: "timeout",
    });
    expect(noCodeRecord(base, "none", false)).toMatchObject({
      val_acc: 0,
      test_acc: 0,
      compile_error: "no_code_found: none",
    });
    expect(noCodeRecord(base, "none", true).test_acc).toBeNull();
  });

  it("compile outcomes fill compile_error; validation 1.0 stops early", () => {
    const base = recordBase(ctx, proposal(""), { costUsd: 0 }, "T");
    expect(verifiedRecord(base, result("syntax_error", 0), false).compile_error).toBe("syntax_error: boom");
    expect(verifiedRecord(base, result("timeout", 0), false).compile_error).toBe("");
    expect(verifiedRecord(base, result("ok", 1), false)).toMatchObject({ stopped_early: true, test_acc: 0 });
    expect(verifiedRecord(base, result("ok", 0.9), true)).toMatchObject({
      stopped_early: false,
      test_acc: null,
    });
  });

  it("scores a proposal: test only when every attempt is tested, a throwing verifier is a sandbox_error", async () => {
    const all = deps();
    const right = await scoreAttempt(ctx, proposal(code("right")), { costUsd: 0 }, all);
    expect(right).toMatchObject({
      val_acc: 1,
      test_acc: 1,
      train_acc: 1,
      stopped_early: true,
      outcome: "ok",
    });
    const selectedOnly = deps({ testSelectedOnly: true });
    const later = await scoreAttempt(ctx, proposal(code("wrong")), { costUsd: 0 }, selectedOnly);
    expect(later.test_acc).toBeNull();
    const verifier = selectedOnly.verifier as ReturnType<typeof fakeVerifier>;
    expect(Object.keys(verifier.jobs[0]!.splits)).toEqual(["train", "val"]);
    const throwing: Verifier = {
      protections: {},
      verify: async () => {
        throw new Error("sandbox gone");
      },
      close: async () => {},
    };
    const broken = await scoreAttempt(
      ctx,
      proposal(code("right")),
      { costUsd: 0 },
      deps({ verifier: throwing }),
    );
    expect(broken).toMatchObject({ outcome: "sandbox_error", outcome_message: "sandbox gone", val_acc: 0 });
    const failed = await scoreAttempt(ctx, proposal("", { error: "timeout" }), { costUsd: 0 }, all);
    expect(failed.outcome).toBe("call_error");
  });
});
