import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AnswerLog,
  answersPathOf,
  isAnswersPath,
  readAnswersJsonl,
  uncoveredAnswers,
} from "../../src/artifacts/answer-log.js";
import {
  type AnswerRecord,
  AnswerRecordSchema,
  answerOfProposal,
  proposalOfAnswer,
  spendOf,
} from "../../src/artifacts/answer-record.js";
import { attemptKey } from "../../src/artifacts/attempts-jsonl.js";
import { DamagedArtifactError } from "../../src/artifacts/damaged-artifact-error.js";
import type { Proposal } from "../../src/proposer/proposer.js";

const answer = (over: Partial<AnswerRecord> = {}): AnswerRecord => ({
  fn: "fn_a",
  length: 20,
  attempt: 1,
  proposer: "openai:gpt-5",
  config_fingerprint: "fp",
  text: '{"code": "def f(x):\\n    return 1"}',
  usage: {
    input_tokens: 10,
    output_tokens: 5,
    total_tokens: 15,
    prompt_tokens: 10,
    completion_tokens: 5,
    cached_tokens: 0,
    reasoning_tokens: 2,
  },
  duration_ms: 12.5,
  cost_usd: 0.01,
  ts: "2025-01-01T00:00:00.000Z",
  ...over,
});
const tmp = () => mkdtempSync(join(tmpdir(), "answers-"));
const none = new Set<string>();

describe("answers sidecar", () => {
  it("sits next to the attempt JSONL, and is told apart from it", () => {
    expect(answersPathOf("out/results_attempts.jsonl")).toBe("out/results_attempts.answers.jsonl");
    expect(answersPathOf("results_attempts.shard-2-of-6.jsonl")).toBe(
      "results_attempts.shard-2-of-6.answers.jsonl",
    );
    expect(answersPathOf("runs/log.txt")).toBe("runs/log.txt.answers.jsonl");
    expect(isAnswersPath(answersPathOf("results_attempts.jsonl"))).toBe(true);
    expect(isAnswersPath("results_attempts.jsonl")).toBe(false);
  });

  it("appends answers durably; a reopen keeps those without an attempt record and drops the rest", async () => {
    const file = join(tmp(), "a.answers.jsonl");
    const log = new AnswerLog(file, { covered: none });
    expect(existsSync(file)).toBe(false); // created on the first answer only
    const a1 = answer({ attempt: 1 });
    const a2 = answer({ attempt: 2, error: "HTTP 500: x", usage: null, cost_usd: null });
    const other = answer({ attempt: 1, config_fingerprint: "other" });
    await Promise.all([log.appendAsync(a1), log.appendAsync(a2), log.appendAsync(other)]);
    log.close(); // as a kill -9 would leave it: no compaction
    expect(readAnswersJsonl(file).records).toEqual([a1, a2, other]);

    const again = new AnswerLog(file, { covered: new Set([attemptKey(a1)]) });
    expect(again.pending).toEqual([a2, other]);
    expect(readAnswersJsonl(file).records).toEqual([a2, other]); // compacted on disk
    await again.appendAsync(answer({ attempt: 3 }));
    again.compact(new Set([attemptKey(a2), attemptKey(answer({ attempt: 3 }))]));
    expect(readAnswersJsonl(file).records).toEqual([other]); // another config's answer is kept
    new AnswerLog(file, { covered: new Set([attemptKey(other)]) }).compact(new Set());
    expect(existsSync(file)).toBe(false); // nothing left: no file
  });

  it("the latest answer of an attempt wins; compact removes the file once every answer is recorded", async () => {
    const file = join(tmp(), "a.answers.jsonl");
    const log = new AnswerLog(file, { covered: none });
    await log.appendAsync(answer({ text: "first" }));
    await log.appendAsync(answer({ text: "second" }));
    expect(uncoveredAnswers(readAnswersJsonl(file).records, none).map((a) => a.text)).toEqual(["second"]);
    log.compact(new Set([attemptKey(answer())]));
    expect(existsSync(file)).toBe(false);
  });

  it("drops a torn last line (kill mid-write) and rejects damage elsewhere, naming file and line", () => {
    const dir = tmp();
    const torn = join(dir, "t.answers.jsonl");
    writeFileSync(torn, `${JSON.stringify(answer())}\n{"fn": "fn_a", "len`);
    const log = new AnswerLog(torn, { covered: none });
    expect(log.droppedTornTail).toBe(true);
    expect(log.pending).toEqual([answer()]);
    expect(readFileSync(torn, "utf8")).toBe(`${JSON.stringify(answer())}\n`);

    const damaged = join(dir, "d.answers.jsonl");
    writeFileSync(damaged, `${JSON.stringify(answer())}\nnot json\n`);
    appendFileSync(damaged, `${JSON.stringify(answer({ attempt: 2 }))}\n`);
    expect(() => new AnswerLog(damaged, { covered: none })).toThrow(DamagedArtifactError);
    expect(() => readAnswersJsonl(damaged)).toThrow(/d\.answers\.jsonl:2: not valid JSON/);
  });

  it("--fresh removes it", async () => {
    const file = join(tmp(), "a.answers.jsonl");
    const log = new AnswerLog(file, { covered: none });
    await log.appendAsync(answer());
    log.close();
    const fresh = new AnswerLog(file, { fresh: true, covered: none });
    expect(fresh.pending).toEqual([]);
    expect(existsSync(file)).toBe(false);
  });

  it("an answer written and read back gives the proposer's proposal unchanged", () => {
    const usage = fc.record({
      input_tokens: fc.nat(),
      output_tokens: fc.nat(),
      total_tokens: fc.nat(),
      prompt_tokens: fc.nat(),
      completion_tokens: fc.nat(),
      cached_tokens: fc.nat(),
      reasoning_tokens: fc.nat(),
    });
    const proposal: fc.Arbitrary<Proposal> = fc.record(
      {
        text: fc.string({ unit: "grapheme" }),
        usage,
        error: fc.string(),
        incompleteReason: fc.string(),
        toolUses: fc.nat(),
        toolResultsChars: fc.nat(),
        durationMs: fc.double({ min: 0, max: 1e7, noNaN: true }),
        // Meta keys are chosen by our proposers, never by model text; "__proto__" is not a key they use
        // (and zod's record parsing rightly refuses to copy it onto an object).
        meta: fc.dictionary(
          fc.string().filter((k) => k !== "__proto__"),
          fc.oneof(fc.string(), fc.integer(), fc.boolean()),
        ),
      },
      { requiredKeys: ["text", "durationMs"] },
    );
    fc.assert(
      fc.property(
        proposal,
        fc.option(fc.double({ min: 0, max: 100, noNaN: true })),
        fc.option(fc.nat(), { nil: undefined }),
        (p, cost, estimatedTokens) => {
          const spend = { costUsd: cost, ...(estimatedTokens !== undefined ? { estimatedTokens } : {}) };
          const a = answerOfProposal(
            { fn: "fn_b", length: 30, attempt: 4, proposer: "x", config_fingerprint: "fp" },
            p,
            spend,
          );
          const back = AnswerRecordSchema.parse(JSON.parse(JSON.stringify(a)));
          expect(back).toEqual(a);
          expect(proposalOfAnswer(back)).toEqual(p);
          expect(back.cost_usd).toBe(cost);
          expect(spendOf(back)).toEqual(spend);
        },
      ),
    );
  });
});
