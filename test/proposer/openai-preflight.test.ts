import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { preflightOpenAI } from "../../src/proposer/openai-preflight.js";
import { type ResponsesServer, startResponsesServer } from "../helpers/responses-server.js";

let server: ResponsesServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("pre-flight", () => {
  it("passes for a known model with an accepted key, costing no Responses call", async () => {
    server = await startResponsesServer({
      script: () => ({ kind: "completed", text: "" }),
      apiKey: "sk-good",
    });
    await preflightOpenAI({ apiKey: "sk-good", baseURL: server.url, model: "gpt-5" });
    expect(server.modelChecks).toEqual(["gpt-5"]);
    expect(server.calls).toHaveLength(0);
  });

  it("names what to fix: missing key, bad URL, unreachable server, rejected key, unknown model", async () => {
    await expect(preflightOpenAI({ apiKey: undefined, baseURL: undefined, model: "gpt-5" })).rejects.toThrow(
      /OPENAI_API_KEY is not set.*--provider enumerative/,
    );
    await expect(preflightOpenAI({ apiKey: "k", baseURL: "not a url", model: "gpt-5" })).rejects.toThrow(
      /OPENAI_BASE_URL 'not a url' is not a URL/,
    );
    await expect(
      preflightOpenAI({ apiKey: "k", baseURL: "http://127.0.0.1:1/v1", model: "gpt-5" }),
    ).rejects.toThrow(/cannot reach the OpenAI API at http:\/\/127\.0\.0\.1:1\/v1/);
    server = await startResponsesServer({
      script: () => ({ kind: "completed", text: "" }),
      apiKey: "sk-good",
    });
    const bad = preflightOpenAI({ apiKey: "fake-rejected-key", baseURL: server.url, model: "gpt-5" });
    await expect(bad).rejects.toBeInstanceOf(UsageError);
    await expect(bad).rejects.toThrow(/rejected OPENAI_API_KEY \(HTTP 401\)/);
    await expect(bad).rejects.not.toThrow(/fake-rejected-key/);
    await expect(
      preflightOpenAI({ apiKey: "sk-good", baseURL: server.url, model: "no-such-model" }),
    ).rejects.toThrow(/--model no-such-model: the server .* does not know this model/);
  });
});
