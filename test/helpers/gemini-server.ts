import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Token counts the loopback Gemini server reports (usageMetadata's names). */
export interface GeminiWireUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  thoughtsTokenCount: number;
  cachedContentTokenCount: number;
  toolUsePromptTokenCount: number;
}

/** What the loopback server does with one generateContent / streamGenerateContent. */
export type GeminiReply =
  | {
      readonly kind: "answer";
      readonly text: string;
      /** A thought summary, sent as a `thought: true` part before the answer. */
      readonly thoughts?: string;
      /** A code execution run (executableCode and its codeExecutionResult) before the answer. */
      readonly codeRun?: { readonly code: string; readonly output: string };
      /** Default "STOP"; "MAX_TOKENS" for an answer cut, "SAFETY"... for a blocked one. */
      readonly finishReason?: string;
      /** The prompt blocked (promptFeedback.blockReason): no candidates. */
      readonly blockReason?: string;
      readonly usage?: Partial<GeminiWireUsage>;
      readonly delayMs?: number;
    }
  | {
      readonly kind: "http_error";
      readonly status: number;
      readonly retryAfter?: string;
      readonly retryAfterMs?: string;
    }
  /** Close the socket without an answer. */
  | { readonly kind: "drop" }
  /** Stream the first chunk of an answer, then close the socket (streamed calls only). */
  | { readonly kind: "drop_mid_stream"; readonly text: string };

export interface GeminiCall {
  readonly index: number;
  readonly model: string;
  readonly streamed: boolean;
  /** The query string's `alt` (the SDK asks for `sse`). */
  readonly alt: string | null;
  readonly body: Record<string, unknown>;
  readonly prompt: string;
  readonly apiKey: string | undefined;
}

export interface GeminiServerOptions {
  readonly script: (call: { index: number; prompt: string; body: Record<string, unknown> }) => GeminiReply;
  /** Models `GET /v1beta/models/{id}` knows (default: any not starting with `no-such`). */
  readonly models?: readonly string[];
  /** Expected key (x-goog-api-key or ?key=); others get 400 API_KEY_INVALID. Default: any. */
  readonly apiKey?: string;
}

export interface GeminiServer {
  /** Base URL for --base-url / GOOGLE_GEMINI_BASE_URL: http://127.0.0.1:<port> (the SDK adds /v1beta). */
  readonly url: string;
  readonly calls: GeminiCall[];
  readonly modelChecks: string[];
  /** Every key a request carried (model checks included). */
  readonly keysSeen: string[];
  close(): Promise<void>;
}

const DEFAULT_USAGE: GeminiWireUsage = {
  promptTokenCount: 800,
  candidatesTokenCount: 300,
  thoughtsTokenCount: 200,
  cachedContentTokenCount: 100,
  toolUsePromptTokenCount: 0,
};

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

/** The prompt of a one-turn request: the first part's text of the first content. */
export function geminiPromptOf(body: Record<string, unknown>): string {
  const contents = body.contents as { parts?: { text?: unknown }[] }[] | undefined;
  const text = contents?.[0]?.parts?.[0]?.text;
  return typeof text === "string" ? text : "";
}

/**
 * A node:http server on 127.0.0.1 (port 0) speaking the Gemini API's documented REST format for
 * `@google/genai`: `POST /v1beta/models/{model}:generateContent` (one JSON response),
 * `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` (`data: {GenerateContentResponse}`
 * events, usage on the last), `GET /v1beta/models/{model}`, and errors as `{error: {code, message,
 * status}}`.
 */
export async function startGeminiServer(opts: GeminiServerOptions): Promise<GeminiServer> {
  const state: GeminiServer = { url: "", calls: [], modelChecks: [], keysSeen: [], close: async () => {} };
  let nextId = 0;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  const errorBody = (code: number, message: string, reason?: string) => ({
    error: {
      code,
      message,
      status: STATUS_NAMES[code] ?? "UNKNOWN",
      ...(reason ? { details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason }] } : {}),
    },
  });

  const handleGenerate = async (
    req: IncomingMessage,
    res: ServerResponse,
    model: string,
    streamed: boolean,
    alt: string | null,
    apiKey: string | undefined,
  ) => {
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    const index = state.calls.length;
    const prompt = geminiPromptOf(body);
    state.calls.push({ index, model, streamed, alt, body, prompt, apiKey });
    const reply = opts.script({ index, prompt, body });
    if (reply.kind === "drop") {
      req.socket.destroy();
      return;
    }
    if (reply.kind === "http_error") {
      send(res, reply.status, errorBody(reply.status, `scripted ${reply.status}`), {
        ...(reply.retryAfter !== undefined ? { "retry-after": reply.retryAfter } : {}),
        ...(reply.retryAfterMs !== undefined ? { "retry-after-ms": reply.retryAfterMs } : {}),
      });
      return;
    }
    const responseId = `resp_${++nextId}`;
    const chunk = (parts: unknown[], extra: Record<string, unknown> = {}) => ({
      candidates: [{ content: { role: "model", parts }, index: 0, ...extra }],
      modelVersion: model,
      responseId,
    });
    if (reply.kind === "drop_mid_stream") {
      if (!streamed) throw new Error("drop_mid_stream needs a streamed request");
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify(chunk([{ text: reply.text }]))}\r\n\r\n`);
      await sleep(20);
      req.socket.destroy();
      return;
    }
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return;
    const u = { ...DEFAULT_USAGE, ...reply.usage };
    const usageMetadata = {
      promptTokenCount: u.promptTokenCount,
      candidatesTokenCount: u.candidatesTokenCount,
      ...(u.thoughtsTokenCount ? { thoughtsTokenCount: u.thoughtsTokenCount } : {}),
      ...(u.cachedContentTokenCount ? { cachedContentTokenCount: u.cachedContentTokenCount } : {}),
      ...(u.toolUsePromptTokenCount ? { toolUsePromptTokenCount: u.toolUsePromptTokenCount } : {}),
      totalTokenCount:
        u.promptTokenCount + u.candidatesTokenCount + u.thoughtsTokenCount + u.toolUsePromptTokenCount,
    };
    if (reply.blockReason !== undefined) {
      const blocked = {
        promptFeedback: { blockReason: reply.blockReason },
        usageMetadata: { promptTokenCount: u.promptTokenCount, totalTokenCount: u.promptTokenCount },
        modelVersion: model,
        responseId,
      };
      if (!streamed) return send(res, 200, blocked);
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(`data: ${JSON.stringify(blocked)}\r\n\r\n`);
      return;
    }
    const parts: Record<string, unknown>[] = [
      ...(reply.thoughts !== undefined ? [{ text: reply.thoughts, thought: true }] : []),
      ...(reply.codeRun
        ? [
            { executableCode: { language: "PYTHON", code: reply.codeRun.code } },
            { codeExecutionResult: { outcome: "OUTCOME_OK", output: reply.codeRun.output } },
          ]
        : []),
      ...(reply.text !== "" ? [{ text: reply.text }] : []),
    ];
    const finishReason = reply.finishReason ?? "STOP";
    if (!streamed) {
      send(res, 200, { ...chunk(parts, { finishReason }), usageMetadata });
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    // One part per event, the text in pieces; usage (running totals) on every event, final on the last.
    const events: Record<string, unknown>[] = [];
    for (const p of parts) {
      if (typeof p.text === "string" && p.thought !== true) {
        for (const piece of p.text.match(/[\s\S]{1,9}/g) ?? []) events.push({ text: piece });
      } else events.push(p);
    }
    for (const [i, p] of events.entries()) {
      const last = i === events.length - 1;
      const partial = { ...usageMetadata, candidatesTokenCount: last ? u.candidatesTokenCount : i };
      res.write(
        `data: ${JSON.stringify({ ...chunk([p], last ? { finishReason } : {}), usageMetadata: partial })}\r\n\r\n`,
      );
    }
    if (events.length === 0)
      res.write(`data: ${JSON.stringify({ ...chunk([], { finishReason }), usageMetadata })}\r\n\r\n`);
    res.end();
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    void (async () => {
      const header = req.headers["x-goog-api-key"];
      const apiKey = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get("key") ?? undefined;
      if (apiKey !== undefined) state.keysSeen.push(apiKey);
      if (opts.apiKey !== undefined && apiKey !== opts.apiKey)
        return send(
          res,
          400,
          errorBody(400, "API key not valid. Please pass a valid API key.", "API_KEY_INVALID"),
        );
      const gen = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(path);
      if (req.method === "POST" && gen)
        return handleGenerate(
          req,
          res,
          decodeURIComponent(gen[1]!),
          gen[2] === "streamGenerateContent",
          url.searchParams.get("alt"),
          apiKey,
        );
      const model = /^\/v1beta\/models\/([^/:]+)$/.exec(path);
      if (req.method === "GET" && model) {
        const id = decodeURIComponent(model[1]!);
        state.modelChecks.push(id);
        const known = opts.models ? opts.models.includes(id) : !id.startsWith("no-such");
        if (!known) return send(res, 404, errorBody(404, `models/${id} is not found for API version v1beta`));
        return send(res, 200, {
          name: `models/${id}`,
          version: "001",
          displayName: id,
          inputTokenLimit: 1048576,
          outputTokenLimit: 65536,
          supportedGenerationMethods: ["generateContent", "countTokens"],
          thinking: true,
        });
      }
      send(res, 404, errorBody(404, `no route ${req.method} ${path}`));
    })().catch((err: unknown) => send(res, 500, errorBody(500, String(err))));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
