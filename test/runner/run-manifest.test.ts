import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { DamagedArtifactError } from "../../src/artifacts/damaged-artifact-error.js";
import { artifactPaths } from "../../src/runner/run-config.js";
import {
  type ManifestSession,
  manifestPathOf,
  publicBaseUrl,
  RunManifestFile,
  readRunManifest,
} from "../../src/runner/run-manifest.js";

const dir = () => mkdtempSync(join(tmpdir(), "llm-erm-manifest-"));

const session = (fingerprint: string): Omit<ManifestSession, "unrecorded_calls" | "finished"> => ({
  started_at: "2025-01-01T00:00:00.000Z",
  argv: ["run"],
  cwd: "/x",
  proposer: "enumerative",
  fingerprint,
  fingerprint_config: { proposer: "enumerative" },
  data: { train: 100, val: 100, test: 200, seed: 42 },
  config: {
    settings: { provider: "enumerative", attempts: 1 },
    grid: { trainSize: 100, valSize: 100, testSize: 200, seed: 42, datasetDir: "datasets" },
    points: [{ fn: "fn_a", length: 20 }],
    shard: null,
    artifacts: { jsonl: "results_attempts.jsonl" },
    base_url: null,
    price: null,
  },
  versions: { llm_erm: "0.1.0", node: "20.0.0", python: "3.11.7", openai_sdk: "6.0.0" },
  python: { requested: "python3", executable: "/usr/bin/python3", version: "3.11.7" },
  sandbox: { mode: "bubblewrap", protections: { mode: "bubblewrap", seccomp: true } },
  datasets: [],
});

describe("run manifest file", () => {
  it("is named from its JSONL, beside it, one per shard", () => {
    expect(manifestPathOf("results_attempts.jsonl")).toBe("run_manifest.json");
    expect(manifestPathOf("out/results_attempts.shard-2-of-4.jsonl")).toBe(
      "out/run_manifest.shard-2-of-4.json",
    );
    expect(manifestPathOf("/r/my-run.jsonl")).toBe("/r/my-run.run_manifest.json");
    expect(artifactPaths({ outDir: "o", shard: { index: 1, count: 3 } }).manifest).toBe(
      "o/run_manifest.shard-1-of-3.json",
    );
    expect(artifactPaths({ outJsonl: "a/b.jsonl" }).manifest).toBe("a/b.run_manifest.json");
  });

  it("appends a session per run, keeps cut calls and the end, and starts over with --fresh", () => {
    const d = dir();
    const file = join(d, "run_manifest.json");
    const jsonl = join(d, "results_attempts.jsonl");
    expect(readRunManifest(file)).toBeUndefined();
    const first = new RunManifestFile(file, jsonl);
    expect(first.previous).toEqual([]);
    first.start(session("fp1"));
    first.addUnrecordedCall({
      fn: "fn_a",
      length: 20,
      attempt: 2,
      proposer: "openai:gpt-5",
      config_fingerprint: "fp1",
      usage: null,
      cost_usd: 0.2,
      estimated_tokens: 20_500,
      ts: "2025-01-01T00:00:01.000Z",
    });
    first.finish({
      at: "2025-01-01T00:00:02.000Z",
      status: "completed",
      new_calls: 2,
      attempts_on_record: 1,
    });
    const second = new RunManifestFile(file, jsonl);
    expect(second.previous).toHaveLength(1);
    expect(second.previous[0]!.unrecorded_calls[0]).toMatchObject({
      estimated_tokens: 20_500,
      cost_usd: 0.2,
    });
    second.start(session("fp2"));
    const read = readRunManifest(file)!;
    expect(read.sessions.map((s) => s.fingerprint)).toEqual(["fp1", "fp2"]);
    expect(read.sessions[0]!.finished?.status).toBe("completed");
    expect(read.sessions[1]!.finished).toBeUndefined();
    expect(read.jsonl).toBe("results_attempts.jsonl");
    const fresh = new RunManifestFile(file, jsonl, { fresh: true });
    expect(fresh.previous).toEqual([]);
    fresh.start(session("fp3"));
    expect(readRunManifest(file)!.sessions.map((s) => s.fingerprint)).toEqual(["fp3"]);
  });

  it("reading validates: bad JSON, a wrong field, a newer schema version are DamagedArtifactErrors", () => {
    const d = dir();
    const file = join(d, "run_manifest.json");
    new RunManifestFile(file, join(d, "results_attempts.jsonl")).start(session("fp"));
    const good = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    writeFileSync(file, "{");
    expect(() => readRunManifest(file)).toThrow(DamagedArtifactError);
    writeFileSync(file, JSON.stringify({ ...good, sessions: [{ fingerprint: 3 }] }));
    expect(() => readRunManifest(file)).toThrow(/not a run manifest \(sessions\.0\./);
    writeFileSync(file, JSON.stringify({ ...good, schema_version: 2 }));
    expect(() => readRunManifest(file)).toThrow(/schema_version 2 was written by a newer llm-erm/);
  });

  it("writes down a base URL without credentials, query or fragment", () => {
    expect(publicBaseUrl(undefined)).toBeNull();
    expect(publicBaseUrl("https://user:sk-secret@gw.example/v1?key=sk-secret#x")).toBe(
      "https://gw.example/v1",
    );
    expect(publicBaseUrl("not a url")).toBe("(unparsable)");
  });
});

describe("attempt records' schema version", () => {
  it("records from before schema_version existed are still read", () => {
    const d = dir();
    const file = join(d, "old.jsonl");
    const old = {
      fn: "fn_a",
      length: 20,
      attempt: 1,
      prompt: "p",
      text: "t",
      duration_ms: 1,
      cached_tokens: 0,
      prompt_tokens: 0,
      completion_tokens: 0,
      reasoning_tokens: 0,
      tool_uses: 0,
      tool_results_chars: 0,
      val_acc: 1,
      test_acc: 1,
      stopped_early: true,
      compile_error: "",
      usage: {
        input_tokens: 0,
        output_tokens: 0,
        total_tokens: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        cached_tokens: 0,
        reasoning_tokens: 0,
      },
      proposer: "enumerative",
      config_fingerprint: "fp",
      train_acc: 1,
      outcome: "ok",
      outcome_message: "",
      verify_ms: 1,
      cost_usd: 0,
      ts: "2025-01-01T00:00:00.000Z",
    };
    writeFileSync(
      file,
      `${JSON.stringify(old)}\n${JSON.stringify({ ...old, attempt: 2, schema_version: 2 })}\n`,
    );
    const { records } = readAttemptsJsonl(file);
    expect(records.map((r) => r.schema_version)).toEqual([undefined, 2]);
  });
});
