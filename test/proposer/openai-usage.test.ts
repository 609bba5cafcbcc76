import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addUsage, normaliseUsage, ZERO_USAGE } from "../../src/proposer/openai-usage.js";

describe("normaliseUsage", () => {
  it("lifts cached and reasoning tokens out of the Responses details and adds the chat aliases", () => {
    expect(
      normaliseUsage({
        input_tokens: 10,
        input_tokens_details: { cached_tokens: 4 },
        output_tokens: 7,
        output_tokens_details: { reasoning_tokens: 5 },
        total_tokens: 17,
      }),
    ).toEqual({
      input_tokens: 10,
      output_tokens: 7,
      total_tokens: 17,
      prompt_tokens: 10,
      completion_tokens: 7,
      cached_tokens: 4,
      reasoning_tokens: 5,
    });
  });

  it("reads chat-style names too, and treats missing or junk as zero", () => {
    expect(normaliseUsage({ prompt_tokens: 3, completion_tokens: 2 })).toMatchObject({
      input_tokens: 3,
      output_tokens: 2,
      total_tokens: 5,
    });
    expect(normaliseUsage(null)).toEqual(ZERO_USAGE);
    expect(normaliseUsage("nonsense")).toEqual(ZERO_USAGE);
  });

  it("the aliases always equal the Responses names", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat(), (i, o, c) => {
        const u = normaliseUsage({
          input_tokens: i,
          output_tokens: o,
          input_tokens_details: { cached_tokens: c },
        });
        return (
          u.prompt_tokens === i &&
          u.completion_tokens === o &&
          u.total_tokens === i + o &&
          u.cached_tokens === c
        );
      }),
    );
  });

  it("addUsage is field-wise and ZERO_USAGE is its identity", () => {
    const arb = fc.record({ input_tokens: fc.nat(), output_tokens: fc.nat() }).map((r) => normaliseUsage(r));
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        expect(addUsage(a, ZERO_USAGE)).toEqual(a);
        expect(addUsage(a, b)).toEqual(addUsage(b, a));
        expect(addUsage(a, b).total_tokens).toBe(a.total_tokens + b.total_tokens);
      }),
    );
  });
});
