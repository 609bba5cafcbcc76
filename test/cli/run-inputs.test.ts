import { afterEach, describe, expect, it, vi } from "vitest";
import { readRunInputs } from "../../src/cli/run-inputs.js";
import { UsageError } from "../../src/core/errors.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("readRunInputs: flags, then the environment it is given, then the defaults", () => {
  it("merges them into one typed object", () => {
    const inputs = readRunInputs(
      { functions: ["fn_a"], lengths: [20], attempts: 2, sandbox: "rlimits" },
      { TRAIN_SIZE: "20", OUT_JSONL: "o/a.jsonl", LOG_LEVEL: "WARN" },
    );
    expect(inputs.grid).toEqual({
      functions: ["fn_a"],
      lengths: [20],
      trainSize: 20,
      valSize: 100,
      testSize: 10000,
      seed: 42,
      datasetDir: "datasets",
    });
    expect(inputs.settings).toMatchObject({ provider: "enumerative", attempts: 2, logLevel: "warn" });
    expect(inputs.providerAnnounce).toMatch(/^provider: enumerative \(/);
    expect(inputs.providerEnv).toEqual({ apiKey: undefined, baseURL: undefined });
    expect(inputs.sandbox).toBe("rlimits");
    expect(inputs.userData).toBeUndefined();
    expect(inputs.template).toBeUndefined();
    expect(inputs.outputs).toMatchObject({
      paths: { jsonl: "o/a.jsonl", csv: "results_attempts.csv", log: "o/runner.log" },
      jsonlDirFrom: "--out-jsonl",
      csvDirFrom: "--out-jsonl",
    });
  });

  it("reads the environment it is given, not process.env", () => {
    vi.stubEnv("TRAIN_SIZE", "30");
    vi.stubEnv("OPENAI_API_KEY", "fake-process-key");
    vi.stubEnv("OUT_CSV", "elsewhere.csv");
    const inputs = readRunInputs({}, {});
    expect(inputs.grid.trainSize).toBe(100);
    expect(inputs.settings.provider).toBe("enumerative");
    expect(inputs.outputs.paths.csv).toBe("results_attempts.csv");
  });

  it("a provider's key and base URL: --base-url wins over the variable; a shard names its files", () => {
    const inputs = readRunInputs(
      { baseUrl: "http://flag", outDir: "out", outCsv: "c/a.csv", shard: "2/4" },
      { OPENAI_API_KEY: "sk-x", OPENAI_BASE_URL: "http://env" },
    );
    expect(inputs.settings.provider).toBe("openai");
    expect(inputs.providerEnv).toEqual({ apiKey: "sk-x", baseURL: "http://flag" });
    expect(inputs.shard).toEqual({ index: 2, count: 4 });
    expect(inputs.outputs).toMatchObject({
      paths: { jsonl: "out/results_attempts.shard-2-of-4.jsonl", csv: "c/a.csv" },
      jsonlDirFrom: "--out-dir",
      csvDirFrom: "--out-csv",
    });
  });

  it("a bad value is the UsageError the run command has always given", () => {
    const error = (opts: Record<string, unknown>, env: Record<string, string> = {}) => {
      try {
        readRunInputs(opts, env);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      return "no error";
    };
    expect(error({}, { ATTEMPTS: "x" })).toBe("environment variable ATTEMPTS: expected a number, got 'x'");
    expect(error({}, { GLOBAL_SEED: "1.5" })).toBe(
      "environment variable GLOBAL_SEED: expected an integer, got '1.5'",
    );
    expect(error({ trainSize: 7 })).toBe("--train-size must be even (got 7)");
    expect(error({}, { CONCURRENCY: "0" })).toMatch(/^--concurrency: /);
    expect(error({ inputCol: "x" })).toBe("--input-col needs --data");
    expect(error({ data: ["a.csv"], functions: ["fn_a"] })).toBe(
      "--data replaces the built-in grid: drop --functions and --lengths",
    );
    expect(error({ promptTemplate: "/nonexistent/t.txt" })).toBe(
      "--prompt-template: cannot read /nonexistent/t.txt (ENOENT)",
    );
  });
});
