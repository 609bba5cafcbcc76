import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the loopback server does with one `POST /v1/responses`. */
export type Reply =
  | {
      readonly kind: "completed";
      readonly text: string;
      readonly usage?: Partial<WireUsage>;
      readonly toolCalls?: readonly { code: string; logs: string }[];
      readonly delayMs?: number;
      /** Answer with `usage: null` (a gateway that reports none). */
      readonly noUsage?: boolean;
    }
  | {
      readonly kind: "incomplete";
      readonly reason: string;
      readonly text?: string;
      readonly delayMs?: number;
    }
  | { readonly kind: "failed"; readonly code: string; readonly message: string; readonly delayMs?: number }
  | {
      readonly kind: "http_error";
      readonly status: number;
      readonly message?: string;
      readonly retryAfter?: string;
      readonly retryAfterMs?: string;
      readonly delayMs?: number;
    }
  /** Close the socket without an answer (a dropped connection). */
  | { readonly kind: "drop"; readonly delayMs?: number }
  /**
   * Answer `queued`, then `in_progress` for `polls` retrieves, then `final` (needs background:true).
   * Once cancelled, the response (from the cancel call and every retrieve after it) is `cancelled` with
   * `cancelledUsage` as its usage (what the provider bills for the work done), or `usage: null`.
   */
  | {
      readonly kind: "background";
      readonly polls: number;
      readonly final: Reply;
      readonly cancelledUsage?: Partial<WireUsage>;
    };

export interface WireUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
}

export interface RecordedCall {
  readonly index: number;
  readonly body: Record<string, unknown>;
  readonly prompt: string;
  readonly authorization: string | undefined;
  readonly startedAt: number;
  endedAt?: number;
  /** Calls of this server in flight when this one started (itself included). */
  readonly overlap: number;
}

export interface ResponsesServerOptions {
  /** Decides the reply to each create call (index counts every create, retries included). */
  readonly script: (call: { index: number; prompt: string; body: Record<string, unknown> }) => Reply;
  /** Added before every create answer. */
  readonly latencyMs?: number;
  /** Added before every background retrieve answer (a poll in flight when the client gives up). */
  readonly retrieveDelayMs?: number;
  /** Models that `GET /v1/models/{id}` knows; default: any but names starting with `no-such`. */
  readonly models?: readonly string[];
  /** Expected bearer key; other keys get 401. Default: any. */
  readonly apiKey?: string;
}

export interface ResponsesServer {
  /** Base URL for OPENAI_BASE_URL: http://127.0.0.1:<port>/v1 */
  readonly url: string;
  readonly calls: RecordedCall[];
  readonly retrieves: string[];
  readonly cancels: string[];
  readonly modelChecks: string[];
  maxInFlight: number;
  close(): Promise<void>;
}

const DEFAULT_USAGE: WireUsage = {
  input_tokens: 1000,
  output_tokens: 500,
  total_tokens: 1500,
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

/** The prompt text of a paper-shaped request (one user message, one input_text part). */
export function promptOf(body: Record<string, unknown>): string {
  const input = body.input as { content?: { type: string; text?: string }[] }[] | undefined;
  return input?.[0]?.content?.[0]?.text ?? "";
}

const wireUsage = (over: Partial<WireUsage> | undefined) => {
  const u = { ...DEFAULT_USAGE, ...over };
  return {
    input_tokens: u.input_tokens,
    input_tokens_details: { cached_tokens: u.cached_tokens },
    output_tokens: u.output_tokens,
    output_tokens_details: { reasoning_tokens: u.reasoning_tokens },
    total_tokens: u.total_tokens,
  };
};

function responseJson(id: string, model: string, reply: Reply, status?: string): Record<string, unknown> {
  const base = {
    id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    model,
    error: null,
    incomplete_details: null,
    instructions: null,
    metadata: {},
    parallel_tool_calls: true,
    temperature: null,
    tool_choice: "auto",
    tools: [],
    top_p: null,
  };
  if (status === "cancelled") {
    const billed = reply.kind === "background" ? reply.cancelledUsage : undefined;
    return { ...base, status, output: [], usage: billed ? wireUsage(billed) : null };
  }
  if (status === "queued" || status === "in_progress") {
    return { ...base, status, output: [], usage: null };
  }
  const usage =
    reply.kind === "completed" && reply.noUsage
      ? null
      : wireUsage(reply.kind === "completed" ? reply.usage : {});
  const message = (text: string) => ({
    type: "message",
    id: `msg_${id}`,
    status: "completed",
    role: "assistant",
    content: [{ type: "output_text", text, annotations: [] }],
  });
  if (reply.kind === "completed") {
    const tools = (reply.toolCalls ?? []).map((t, i) => ({
      type: "code_interpreter_call",
      id: `ci_${id}_${i}`,
      code: t.code,
      container_id: "cntr_1",
      outputs: [{ type: "logs", logs: t.logs }],
      status: "completed",
    }));
    return { ...base, status: "completed", output: [...tools, message(reply.text)], usage };
  }
  if (reply.kind === "incomplete") {
    return {
      ...base,
      status: "incomplete",
      incomplete_details: { reason: reply.reason },
      output: reply.text ? [message(reply.text)] : [],
      usage,
    };
  }
  if (reply.kind === "failed") {
    return {
      ...base,
      status: "failed",
      error: { code: reply.code, message: reply.message },
      output: [],
      usage,
    };
  }
  throw new Error(`reply kind ${reply.kind} has no response body`);
}

/** A node:http server on 127.0.0.1 (port 0) that speaks enough of the Responses API for the SDK. */
export async function startResponsesServer(opts: ResponsesServerOptions): Promise<ResponsesServer> {
  let inFlight = 0;
  let nextId = 0;
  const background = new Map<
    string,
    { pollsLeft: number; reply: Reply & { kind: "background" }; model: string; cancelled: boolean }
  >();
  const state: ResponsesServer = {
    url: "",
    calls: [],
    retrieves: [],
    cancels: [],
    modelChecks: [],
    maxInFlight: 0,
    close: async () => {},
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };

  const authorised = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (opts.apiKey === undefined || req.headers.authorization === `Bearer ${opts.apiKey}`) return true;
    send(res, 401, {
      error: {
        message: "Incorrect API key provided",
        type: "invalid_request_error",
        code: "invalid_api_key",
      },
    });
    return false;
  };

  const handleCreate = async (req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    const index = state.calls.length;
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    const call: RecordedCall = {
      index,
      body,
      prompt: promptOf(body),
      authorization: req.headers.authorization,
      startedAt: Date.now(),
      overlap: inFlight,
    };
    state.calls.push(call);
    let closed = false;
    res.on("close", () => {
      closed = true;
    });
    try {
      const reply = opts.script({ index, prompt: call.prompt, body });
      const delay = (opts.latencyMs ?? 0) + ("delayMs" in reply ? (reply.delayMs ?? 0) : 0);
      if (delay > 0) await sleep(delay);
      if (closed) return;
      const id = `resp_${++nextId}`;
      const model = String(body.model ?? "");
      if (reply.kind === "drop") {
        req.socket.destroy();
        return;
      }
      if (reply.kind === "http_error") {
        const headers: Record<string, string> = {};
        if (reply.retryAfter !== undefined) headers["retry-after"] = reply.retryAfter;
        if (reply.retryAfterMs !== undefined) headers["retry-after-ms"] = reply.retryAfterMs;
        send(
          res,
          reply.status,
          { error: { message: reply.message ?? `scripted ${reply.status}`, type: "server_error" } },
          headers,
        );
        return;
      }
      if (reply.kind === "background") {
        if (body.background !== true)
          throw new Error("scripted a background reply for a non-background request");
        background.set(id, { pollsLeft: reply.polls, reply, model, cancelled: false });
        send(res, 200, responseJson(id, model, reply, "queued"));
        return;
      }
      send(res, 200, responseJson(id, model, reply));
    } finally {
      inFlight--;
      call.endedAt = Date.now();
    }
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    void (async () => {
      if (!authorised(req, res)) return;
      if (req.method === "POST" && path === "/v1/responses") return handleCreate(req, res);
      const model = /^\/v1\/models\/(.+)$/.exec(path);
      if (req.method === "GET" && model) {
        const id = decodeURIComponent(model[1]!);
        state.modelChecks.push(id);
        const known = opts.models ? opts.models.includes(id) : !id.startsWith("no-such");
        if (!known)
          return send(res, 404, {
            error: { message: `The model '${id}' does not exist`, code: "model_not_found" },
          });
        return send(res, 200, { id, object: "model", created: 0, owned_by: "loopback" });
      }
      const cancel = /^\/v1\/responses\/([^/]+)\/cancel$/.exec(path);
      if (req.method === "POST" && cancel) {
        const entry = background.get(cancel[1]!);
        state.cancels.push(cancel[1]!);
        if (!entry) return send(res, 404, { error: { message: "no such response" } });
        entry.cancelled = true;
        return send(res, 200, responseJson(cancel[1]!, entry.model, entry.reply, "cancelled"));
      }
      const retrieve = /^\/v1\/responses\/([^/]+)$/.exec(path);
      if (req.method === "GET" && retrieve) {
        const id = retrieve[1]!;
        state.retrieves.push(id);
        if (opts.retrieveDelayMs) await new Promise((r) => setTimeout(r, opts.retrieveDelayMs));
        const entry = background.get(id);
        if (!entry) return send(res, 404, { error: { message: "no such response" } });
        if (entry.cancelled) return send(res, 200, responseJson(id, entry.model, entry.reply, "cancelled"));
        if (entry.pollsLeft > 0) {
          entry.pollsLeft--;
          return send(res, 200, responseJson(id, entry.model, entry.reply.final, "in_progress"));
        }
        return send(res, 200, responseJson(id, entry.model, entry.reply.final));
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
