import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Token counts the loopback Messages server reports (Anthropic's names). */
export interface MessagesWireUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
  /** Thinking tokens inside output_tokens (sent only when given). */
  output_tokens_details?: { thinking_tokens: number };
}

/** What the loopback server does with one `POST /v1/messages`. */
export type MessagesReply =
  | {
      readonly kind: "answer";
      readonly text: string;
      /** Thinking text, streamed as a `thinking` block before the answer. */
      readonly thinking?: string;
      /** Default "end_turn"; "max_tokens" for an answer cut at max_tokens. */
      readonly stopReason?: "end_turn" | "max_tokens" | "refusal" | "pause_turn";
      readonly usage?: Partial<MessagesWireUsage>;
      /** usage.server_tool_use as the server reports it. */
      readonly serverToolUse?: Record<string, number>;
      /** Text the model says before a code run (its own text block). */
      readonly textBefore?: string;
      /**
       * A code execution run before the answer: a `server_tool_use` block (`bash_code_execution`,
       * or `code_execution` for the older tool version) and its `*_tool_result` block with stdout and
       * stderr, or with `error` as its error_code.
       */
      readonly codeRun?: {
        readonly code: string;
        readonly stdout: string;
        readonly stderr?: string;
        readonly error?: string;
        readonly tool?: "bash_code_execution" | "code_execution";
      };
      readonly delayMs?: number;
    }
  | {
      readonly kind: "http_error";
      /** 529: overloaded. */
      readonly status: number;
      readonly errorType?: string;
      readonly retryAfter?: string;
      readonly retryAfterMs?: string;
    }
  /** An `event: error` in an open stream (overloaded mid-stream). */
  | { readonly kind: "stream_error"; readonly errorType: string }
  /** Close the socket without an answer. */
  | { readonly kind: "drop" };

export interface MessagesCall {
  readonly index: number;
  readonly body: Record<string, unknown>;
  readonly prompt: string;
  readonly apiKey: string | undefined;
  readonly version: string | undefined;
  /** The anthropic-beta header, if any. */
  readonly beta: string | undefined;
}

export interface MessagesServerOptions {
  readonly script: (call: { index: number; prompt: string; body: Record<string, unknown> }) => MessagesReply;
  /** Models `GET /v1/models/{id}` knows (default: any not starting with `no-such`). */
  readonly models?: readonly string[];
  /** Expected key (x-api-key or bearer); others get 401. Default: any. */
  readonly apiKey?: string;
}

export interface MessagesServer {
  /** Base URL for --base-url / ANTHROPIC_BASE_URL: http://127.0.0.1:<port> (the SDK adds /v1). */
  readonly url: string;
  readonly calls: MessagesCall[];
  readonly modelChecks: string[];
  close(): Promise<void>;
}

const DEFAULT_USAGE: MessagesWireUsage = {
  input_tokens: 700,
  cache_creation_input_tokens: 200,
  cache_read_input_tokens: 100,
  output_tokens: 500,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

/** The key a request carries: `x-api-key`, or `Authorization: Bearer` (what @anthropic-ai/sdk 1.x sends). */
const keyOf = (req: IncomingMessage): string | undefined => {
  const x = req.headers["x-api-key"];
  if (typeof x === "string") return x;
  const auth = req.headers.authorization;
  return auth?.startsWith("Bearer ") ? auth.slice("Bearer ".length) : undefined;
};

/** A code run's two blocks as Anthropic sends them: the server tool's use, then its result. */
function codeRunBlocks(
  run: NonNullable<Extract<MessagesReply, { kind: "answer" }>["codeRun"]>,
  n: number,
): Record<string, unknown>[] {
  const tool = run.tool ?? "bash_code_execution";
  const id = `srvtoolu_${n}`;
  const input = tool === "bash_code_execution" ? { command: run.code } : { code: run.code };
  const resultType = `${tool}_tool_result`;
  const content =
    run.error !== undefined
      ? { type: `${tool}_tool_result_error`, error_code: run.error }
      : {
          type: `${tool}_result`,
          stdout: run.stdout,
          stderr: run.stderr ?? "",
          return_code: 0,
          content: [],
        };
  return [
    { type: "server_tool_use", id, name: tool, input, caller: { type: "direct" } },
    { type: resultType, tool_use_id: id, content },
  ];
}

/** The prompt of a one-user-message request (string content or one text block). */
export function messagesPromptOf(body: Record<string, unknown>): string {
  const messages = body.messages as { content?: unknown }[] | undefined;
  const content = messages?.[0]?.content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    const first = content[0] as { text?: unknown } | undefined;
    return typeof first?.text === "string" ? first.text : "";
  }
  return "";
}

/**
 * A node:http server on 127.0.0.1 (port 0) speaking enough of Anthropic's Messages API for
 * `@anthropic-ai/sdk`: the documented SSE stream (`event: message_start`, `content_block_start`,
 * `content_block_delta` with `thinking_delta` / `text_delta`, `content_block_stop`, `message_delta`
 * with the stop reason and output usage, `message_stop`; `event: error` for an error mid-stream), a
 * plain JSON message when not streamed, and `GET /v1/models/{id}`.
 */
export async function startMessagesServer(opts: MessagesServerOptions): Promise<MessagesServer> {
  const state: MessagesServer = { url: "", calls: [], modelChecks: [], close: async () => {} };
  let nextId = 0;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  const errorBody = (type: string, message: string) => ({ type: "error", error: { type, message } });

  const handleCreate = async (req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    const index = state.calls.length;
    const prompt = messagesPromptOf(body);
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    state.calls.push({
      index,
      body,
      prompt,
      apiKey: keyOf(req),
      version: header("anthropic-version"),
      beta: header("anthropic-beta"),
    });
    const reply = opts.script({ index, prompt, body });
    if (reply.kind === "drop") {
      req.socket.destroy();
      return;
    }
    if (reply.kind === "http_error") {
      const type = reply.errorType ?? (reply.status === 529 ? "overloaded_error" : "api_error");
      send(res, reply.status, errorBody(type, `scripted ${reply.status}`), {
        ...(reply.retryAfter !== undefined ? { "retry-after": reply.retryAfter } : {}),
        ...(reply.retryAfterMs !== undefined ? { "retry-after-ms": reply.retryAfterMs } : {}),
      });
      return;
    }
    const id = `msg_${++nextId}`;
    const model = String(body.model ?? "");
    const streamed = body.stream === true;
    const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
    if (reply.kind === "stream_error") {
      if (!streamed) throw new Error("stream_error needs a streamed request");
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(event("error", errorBody(reply.errorType, "scripted error mid-stream")));
      res.end();
      return;
    }
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return;
    const u = { ...DEFAULT_USAGE, ...reply.usage };
    const stop = reply.stopReason ?? "end_turn";
    const blocks: Record<string, unknown>[] = [
      ...(reply.thinking !== undefined
        ? [{ type: "thinking", thinking: reply.thinking, signature: "sig" }]
        : []),
      ...(reply.textBefore !== undefined ? [{ type: "text", text: reply.textBefore, citations: null }] : []),
      ...(reply.codeRun ? codeRunBlocks(reply.codeRun, nextId) : []),
      { type: "text", text: reply.text, citations: null },
    ];
    const usage = reply.serverToolUse ? { ...u, server_tool_use: reply.serverToolUse } : u;
    if (!streamed) {
      send(res, 200, {
        id,
        type: "message",
        role: "assistant",
        model,
        content: blocks,
        stop_reason: stop,
        stop_sequence: null,
        usage,
      });
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(
      event("message_start", {
        type: "message_start",
        message: {
          id,
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...u, output_tokens: 1 },
        },
      }),
    );
    const pieces = (s: string) => s.match(/[\s\S]{1,7}/g) ?? [];
    const delta = (index: number, d: Record<string, unknown>) =>
      res.write(event("content_block_delta", { type: "content_block_delta", index, delta: d }));
    for (const [i, b] of blocks.entries()) {
      // Text, thinking and a tool's input arrive in deltas after an empty start; a tool result whole.
      const start =
        b.type === "text"
          ? { type: "text", text: "" }
          : b.type === "thinking"
            ? { type: "thinking", thinking: "", signature: "" }
            : b.type === "server_tool_use"
              ? { ...b, input: {} }
              : b;
      res.write(
        event("content_block_start", { type: "content_block_start", index: i, content_block: start }),
      );
      if (b.type === "text")
        for (const p of pieces(String(b.text))) delta(i, { type: "text_delta", text: p });
      if (b.type === "thinking") {
        for (const p of pieces(String(b.thinking))) delta(i, { type: "thinking_delta", thinking: p });
        delta(i, { type: "signature_delta", signature: "sig" });
      }
      if (b.type === "server_tool_use")
        for (const p of pieces(JSON.stringify(b.input)))
          delta(i, { type: "input_json_delta", partial_json: p });
      res.write(event("content_block_stop", { type: "content_block_stop", index: i }));
    }
    res.write(
      event("message_delta", {
        type: "message_delta",
        delta: { stop_reason: stop, stop_sequence: null },
        usage: {
          output_tokens: u.output_tokens,
          ...(u.output_tokens_details ? { output_tokens_details: u.output_tokens_details } : {}),
          ...(reply.serverToolUse ? { server_tool_use: reply.serverToolUse } : {}),
        },
      }),
    );
    res.write(event("message_stop", { type: "message_stop" }));
    res.end();
  };

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    void (async () => {
      if (opts.apiKey !== undefined && keyOf(req) !== opts.apiKey)
        return send(res, 401, errorBody("authentication_error", "invalid x-api-key"));
      if (req.method === "POST" && path === "/v1/messages") return handleCreate(req, res);
      const model = /^\/v1\/models\/(.+)$/.exec(path);
      if (req.method === "GET" && model) {
        const id = decodeURIComponent(model[1]!);
        state.modelChecks.push(id);
        const known = opts.models ? opts.models.includes(id) : !id.startsWith("no-such");
        if (!known) return send(res, 404, errorBody("not_found_error", `model: ${id}`));
        return send(res, 200, { type: "model", id, display_name: id, created_at: "2025-01-01T00:00:00Z" });
      }
      send(res, 404, errorBody("not_found_error", `no route ${req.method} ${path}`));
    })().catch((err: unknown) => send(res, 500, errorBody("api_error", String(err))));
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
