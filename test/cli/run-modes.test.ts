import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { loopbackEnv, useResponsesServer } from "../helpers/loopback-cli.js";
import { answer, PROGRAMS } from "../helpers/programs.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const startServer = useResponsesServer();
// One grid point (fn_a = parity, L=20), small test split.
const POINT = ["run", "--functions", "fn_a", "--lengths", "20", "--test-size", "200"];

describe("--batch, --background and --structured-output through the CLI over HTTP", () => {
  it("--batch 3 draws 3 calls at once and cancels the rest when one reaches validation 1.0", async () => {
    // Call 0 is wrong, call 1 is right, call 2 would answer only after 60 s: the run must not wait.
    const server = await startServer({
      script: ({ index }) =>
        index === 0
          ? { kind: "completed", text: answer(PROGRAMS.constantZero), delayMs: 300 }
          : index === 1
            ? { kind: "completed", text: answer(PROGRAMS.parity), delayMs: 300 }
            : { kind: "completed", text: answer(PROGRAMS.parity), delayMs: 60_000 },
    });
    const cwd = tempDir();
    const res = await runCli(
      [...POINT, "--attempts", "5", "--batch", "3", "--concurrency", "3"],
      cwd,
      loopbackEnv(server.url),
    );
    expect(res.code).toBe(ExitCode.ok);
    // One wave of 3 in flight together; attempts 4 and 5 never asked after the early stop.
    expect(server.calls).toHaveLength(3);
    expect(server.maxInFlight).toBe(3);
    expect(server.calls.map((c) => c.overlap).sort()).toEqual([1, 2, 3]);
    // The slow call was cancelled, not awaited: it is not recorded (nothing was answered).
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(records).toHaveLength(2);
    expect(records.map((r) => r.val_acc).sort()).toEqual([0.5, 1]);
    expect(records.find((r) => r.val_acc === 1)).toMatchObject({ stopped_early: true, test_acc: 1 });
    expect(new Set(records.map((r) => r.attempt)).size).toBe(2);
    for (const r of records) expect([1, 2, 3]).toContain(r.attempt);
  }, 30_000);

  it("--background creates with background:true, polls until completed and records the final answer", async () => {
    const server = await startServer({
      script: () => ({
        kind: "background",
        polls: 1, // queued on create, in_progress on the first retrieve, completed on the second
        final: { kind: "completed", text: answer(PROGRAMS.parity) },
      }),
    });
    const cwd = tempDir();
    const res = await runCli([...POINT, "--attempts", "2", "--background"], cwd, loopbackEnv(server.url));
    expect(res.code).toBe(ExitCode.ok);
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.body.background).toBe(true);
    expect(server.retrieves).toEqual(["resp_1", "resp_1"]);
    expect(server.cancels).toEqual([]);
    const [rec, ...rest] = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(rest).toEqual([]);
    expect(rec).toMatchObject({ attempt: 1, val_acc: 1, test_acc: 1, stopped_early: true });
    expect(rec!.meta).toMatchObject({ response_id: "resp_1", polls: 2 });
  }, 30_000);

  it("--background cancels a response still running at --timeout; the attempt records the error", async () => {
    const server = await startServer({
      script: () => ({
        kind: "background",
        polls: 1000,
        final: { kind: "completed", text: answer(PROGRAMS.parity) },
      }),
    });
    const cwd = tempDir();
    const res = await runCli(
      [...POINT, "--attempts", "1", "--background", "--timeout", "1"],
      cwd,
      loopbackEnv(server.url),
    );
    expect(res.code).toBe(ExitCode.ok);
    expect(server.cancels).toEqual(["resp_1"]);
    const [rec] = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(rec!.error).toMatch(/timeout: background response resp_1 still in_progress/);
    expect(rec!.val_acc).toBeNull();
  }, 30_000);

  it("--structured-output sends text.format json_schema for {code: string}; the JSON answer is verified", async () => {
    const server = await startServer({
      script: () => ({ kind: "completed", text: answer(PROGRAMS.parity) }),
    });
    const cwd = tempDir();
    const res = await runCli(
      [...POINT, "--attempts", "1", "--structured-output"],
      cwd,
      loopbackEnv(server.url),
    );
    expect(res.code).toBe(ExitCode.ok);
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.body.text).toEqual({
      verbosity: "low",
      format: {
        type: "json_schema",
        name: "program",
        strict: true,
        schema: {
          type: "object",
          properties: { code: { type: "string", description: expect.any(String) } },
          required: ["code"],
          additionalProperties: false,
        },
      },
    });
    const [rec] = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(rec).toMatchObject({ val_acc: 1, test_acc: 1, outcome: "ok" });
  });
});
