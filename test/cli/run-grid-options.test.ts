import { describe, expect, it } from "vitest";
import { readGridOptions } from "../../src/cli/grid-options.js";
import { UsageError } from "../../src/core/errors.js";

describe("readGridOptions errors name the flag and the value", () => {
  it("a non-positive length", () => {
    expect(() => readGridOptions({ lengths: [20, 0] })).toThrow(UsageError);
    expect(() => readGridOptions({ lengths: [20, 0] })).toThrow(/^--lengths: .*, got 0$/);
  });

  it("a negative size, and an odd training size", () => {
    expect(() => readGridOptions({ testSize: -5 })).toThrow(/^--test-size: .*, got -5$/);
    expect(() => readGridOptions({ trainSize: 7 })).toThrow("--train-size must be even (got 7)");
  });
});
