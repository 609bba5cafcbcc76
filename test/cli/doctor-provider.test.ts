import { afterEach, describe, expect, it } from "vitest";
import { type DoctorCheck, runDoctor } from "../../src/cli/doctor-command.js";
import { ExitCode } from "../../src/core/errors.js";
import { type GeminiServer, startGeminiServer } from "../helpers/gemini-server.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const KEY = "gm-doctor-secret-456";
let server: GeminiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const byCheck = (checks: readonly DoctorCheck[]) => Object.fromEntries(checks.map((c) => [c.check, c]));

describe("llm-erm doctor checks the chosen provider through the registry's pre-flight", () => {
  it("gemini: the key named as gemini names it (never printed), the model asked of its server", async () => {
    server = await startGeminiServer({
      apiKey: KEY,
      models: ["gemini-2.5-pro"],
      script: () => ({ kind: "answer", text: "" }),
    });
    const dir = tempDir();
    const base = { python: "/nonexistent/python3", sandbox: "auto" as const, datasetDir: `${dir}/d` };
    const ok = byCheck(
      await runDoctor({
        ...base,
        provider: "gemini",
        model: "gemini-2.5-pro",
        apiKey: KEY,
        baseURL: server.url,
      }),
    );
    expect(ok["GEMINI_API_KEY or GOOGLE_API_KEY"]).toMatchObject({
      status: "ok",
      detail: "set (not printed)",
    });
    expect(ok.provider).toMatchObject({ status: "ok" });
    expect(ok.provider!.detail).toContain(`gemini: ${server.url} knows gemini-2.5-pro`);
    const unknown = byCheck(
      await runDoctor({ ...base, provider: "gemini", model: "gemini-9", apiKey: KEY, baseURL: server.url }),
    );
    expect(unknown.provider).toMatchObject({ status: "fail" });
    expect(unknown.provider!.detail).toMatch(/--model gemini-9: .*does not know this model/);
    const wrongKey = await runDoctor({
      ...base,
      provider: "gemini",
      model: "gemini-2.5-pro",
      apiKey: "gm-wrong",
      baseURL: server.url,
    });
    expect(byCheck(wrongKey).provider!.detail).toMatch(/rejected GEMINI_API_KEY/);
    expect(server.modelChecks).toEqual(["gemini-2.5-pro", "gemini-9"]);
    expect(server.calls).toHaveLength(0);
  });

  it("the CLI: --provider auto picks gemini for gemini-*, --base-url reaches the loopback server, the key never shows", async () => {
    server = await startGeminiServer({ apiKey: KEY, script: () => ({ kind: "answer", text: "" }) });
    const dir = tempDir();
    const res = await runCli(
      [
        "doctor",
        "--json",
        "--dataset-dir",
        `${dir}/datasets`,
        "--model",
        "gemini-2.5-pro",
        "--base-url",
        server.url,
      ],
      dir,
      { GEMINI_API_KEY: KEY },
    );
    expect(res.code, res.stdout + res.stderr).toBe(ExitCode.ok);
    const checks = byCheck(JSON.parse(res.stdout) as DoctorCheck[]);
    expect(checks["GEMINI_API_KEY or GOOGLE_API_KEY"]?.status).toBe("ok");
    expect(checks.provider).toMatchObject({ status: "ok" });
    expect(server.modelChecks).toEqual(["gemini-2.5-pro"]);
    expect(res.stdout + res.stderr).not.toContain(KEY);
    // No key for the provider chosen: named, and nothing is asked of any server.
    const noKey = await runCli(
      [
        "doctor",
        "--json",
        "--dataset-dir",
        `${dir}/datasets`,
        "--provider",
        "gemini",
        "--base-url",
        server.url,
      ],
      dir,
      { OPENAI_API_KEY: "fake-openai-key" },
    );
    const none = byCheck(JSON.parse(noKey.stdout) as DoctorCheck[]);
    expect(none["GEMINI_API_KEY or GOOGLE_API_KEY"]?.detail).toMatch(/^not set/);
    expect(server.modelChecks).toEqual(["gemini-2.5-pro"]);
  });
});
