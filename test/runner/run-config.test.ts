import { availableParallelism } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { readRunSettings } from "../../src/runner/run-config.js";

const saved = process.env.CONCURRENCY;
afterEach(() => {
  if (saved === undefined) delete process.env.CONCURRENCY;
  else process.env.CONCURRENCY = saved;
});

describe("readRunSettings: --concurrency default", () => {
  it("is the paper's 5 for a model, the number of cores for the enumerator", () => {
    delete process.env.CONCURRENCY;
    expect(readRunSettings({}, true, process.env).settings.concurrency).toBe(5);
    expect(readRunSettings({}, false, process.env).settings).toMatchObject({
      provider: "enumerative",
      concurrency: availableParallelism(),
    });
    expect(readRunSettings({ provider: "openai" }, false, process.env).settings.concurrency).toBe(5);
  });

  it("an explicit flag or CONCURRENCY wins for either provider", () => {
    process.env.CONCURRENCY = "7";
    expect(readRunSettings({}, false, process.env).settings.concurrency).toBe(7);
    expect(readRunSettings({ concurrency: 3 }, false, process.env).settings.concurrency).toBe(3);
    process.env.CONCURRENCY = "0";
    expect(() => readRunSettings({}, false, process.env)).toThrow(UsageError);
    expect(() => readRunSettings({}, false, process.env)).toThrow(/--concurrency/);
  });
});
