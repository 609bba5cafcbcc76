import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Token counts the loopback Chat Completions server reports (chat names). */
export interface ChatWireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
}

/** What the loopback server does with one `POST /v1/chat/completions`. */
export type ChatReply =
  | {
      readonly kind: "answer";
      readonly text: string;
      /** Reasoning text, sent before the answer in `reasoning` (vLLM, Ollama) or `reasoning_content`. */
      readonly reasoning?: string;
      readonly reasoningField?: "reasoning" | "reasoning_content";
      /** Default "stop"; "length" for an answer cut at max_tokens. */
      readonly finishReason?: "stop" | "length" | "content_filter";
      readonly usage?: Partial<ChatWireUsage>;
      /** Report no usage (a server that ignores stream_options). */
      readonly noUsage?: boolean;
      readonly delayMs?: number;
    }
  | {
      readonly kind: "http_error";
      readonly status: number;
      readonly message?: string;
      readonly retryAfter?: string;
      readonly retryAfterMs?: string;
      readonly delayMs?: number;
    }
  /** Close the socket without an answer. */
  | { readonly kind: "drop"; readonly delayMs?: number }
  /** Stream the first half of the answer, then close the socket (streamed requests only). */
  | { readonly kind: "drop_mid_stream"; readonly text: string };

export interface ChatCall {
  readonly index: number;
  readonly body: Record<string, unknown>;
  readonly prompt: string;
  readonly authorization: string | undefined;
}

export interface ChatServerOptions {
  readonly script: (call: { index: number; prompt: string; body: Record<string, unknown> }) => ChatReply;
  /** What `GET /v1/models` lists (default: ["loopback-model"]); null: the route answers 404. */
  readonly models?: readonly string[] | null;
  /** Expected bearer key; other keys get 401. Default: any (or none). */
  readonly apiKey?: string;
}

export interface ChatServer {
  /** Base URL for --base-url / OPENAI_BASE_URL: http://127.0.0.1:<port>/v1 */
  readonly url: string;
  readonly calls: ChatCall[];
  modelLists: number;
  close(): Promise<void>;
}

const DEFAULT_USAGE: ChatWireUsage = {
  prompt_tokens: 1000,
  completion_tokens: 500,
  cached_tokens: 100,
  reasoning_tokens: 300,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

/** The prompt of a one-user-message chat request. */
export function chatPromptOf(body: Record<string, unknown>): string {
  const messages = body.messages as { role?: string; content?: unknown }[] | undefined;
  const content = messages?.[0]?.content;
  return typeof content === "string" ? content : "";
}

const wireUsage = (over: Partial<ChatWireUsage> | undefined) => {
  const u = { ...DEFAULT_USAGE, ...over };
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.prompt_tokens + u.completion_tokens,
    prompt_tokens_details: { cached_tokens: u.cached_tokens },
    completion_tokens_details: { reasoning_tokens: u.reasoning_tokens },
  };
};

/**
 * A node:http server on 127.0.0.1 (port 0) speaking enough of Chat Completions for the `openai` SDK:
 * streamed (SSE, `data: {chunk}` lines, usage in a last chunk with no choices when
 * `stream_options.include_usage`, then `data: [DONE]`) and not, and `GET /v1/models`.
 */
export async function startChatServer(opts: ChatServerOptions): Promise<ChatServer> {
  const state: ChatServer = { url: "", calls: [], modelLists: 0, close: async () => {} };
  let nextId = 0;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };

  const handleCreate = async (req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    const index = state.calls.length;
    const prompt = chatPromptOf(body);
    state.calls.push({ index, body, prompt, authorization: req.headers.authorization });
    const reply = opts.script({ index, prompt, body });
    if ("delayMs" in reply && reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return;
    if (reply.kind === "drop") {
      req.socket.destroy();
      return;
    }
    if (reply.kind === "http_error") {
      send(
        res,
        reply.status,
        { error: { message: reply.message ?? `scripted ${reply.status}`, type: "server_error" } },
        {
          ...(reply.retryAfter !== undefined ? { "retry-after": reply.retryAfter } : {}),
          ...(reply.retryAfterMs !== undefined ? { "retry-after-ms": reply.retryAfterMs } : {}),
        },
      );
      return;
    }
    const id = `chatcmpl-${++nextId}`;
    const model = String(body.model ?? "");
    const created = Math.floor(Date.now() / 1000);
    const streamed = body.stream === true;
    if (reply.kind === "drop_mid_stream") {
      if (!streamed) throw new Error("drop_mid_stream needs a streamed request");
      res.writeHead(200, { "content-type": "text/event-stream" });
      const half = reply.text.slice(0, Math.floor(reply.text.length / 2));
      const chunk = {
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [{ index: 0, delta: { role: "assistant", content: half }, finish_reason: null }],
      };
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      await sleep(20);
      req.socket.destroy();
      return;
    }
    const finish = reply.finishReason ?? "stop";
    const field = reply.reasoningField ?? "reasoning_content";
    const usage = reply.noUsage ? undefined : wireUsage(reply.usage);
    if (!streamed) {
      const message: Record<string, unknown> = { role: "assistant", content: reply.text, refusal: null };
      if (reply.reasoning !== undefined) message[field] = reply.reasoning;
      send(res, 200, {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
        ...(usage ? { usage } : {}),
      });
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const chunk = (delta: Record<string, unknown>, finishReason: string | null) =>
      `data: ${JSON.stringify({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
      })}\n\n`;
    res.write(chunk({ role: "assistant", content: "" }, null));
    // The reasoning and the answer in pieces, as a server streams them.
    const pieces = (s: string) => s.match(/[\s\S]{1,7}/g) ?? [];
    for (const p of pieces(reply.reasoning ?? "")) res.write(chunk({ [field]: p }, null));
    for (const p of pieces(reply.text)) res.write(chunk({ content: p }, null));
    res.write(chunk({}, finish));
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (usage && options?.include_usage === true) {
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`,
      );
    }
    res.write("data: [DONE]\n\n");
    res.end();
  };

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    void (async () => {
      if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
        return send(res, 401, { error: { message: "Invalid API key", code: "invalid_api_key" } });
      }
      if (req.method === "POST" && path === "/v1/chat/completions") return handleCreate(req, res);
      if (req.method === "GET" && path === "/v1/models") {
        state.modelLists++;
        if (opts.models === null) return send(res, 404, { error: { message: "no route" } });
        const models = opts.models ?? ["loopback-model"];
        return send(res, 200, {
          object: "list",
          data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "loopback" })),
        });
      }
      send(res, 404, { error: { message: `no route ${req.method} ${path}` } });
    })().catch((err: unknown) => send(res, 500, { error: { message: String(err) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
