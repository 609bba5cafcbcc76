import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { promptOf } from "./responses-server.js";

/** What the loopback batch server does with one item of a batch. */
export type ItemOutcome =
  | {
      readonly kind: "answer";
      readonly text: string;
      /** OpenAI-style counts; anthropic gets input minus cache reads/writes as its input_tokens. */
      readonly usage?: {
        input: number;
        output: number;
        cachedRead?: number;
        cacheWrite?: number;
        reasoning?: number;
      };
    }
  /** OpenAI: a line in the error file with this status; anthropic: an `errored` result of this type. */
  | { readonly kind: "error"; readonly status: number; readonly type?: string; readonly message: string }
  /** Not processed: absent from OpenAI's output (batch expired), `expired` in Anthropic's results. */
  | { readonly kind: "expired" };

export interface BatchItemCall {
  readonly api: "openai" | "anthropic";
  readonly batchId: string;
  readonly customId: string;
  readonly prompt: string;
  readonly body: Record<string, unknown>;
}

export interface BatchServerOptions {
  /** Each item's outcome (`index` counts items over every batch, in submission order). */
  readonly script: (item: BatchItemCall & { index: number }) => ItemOutcome;
  /** Retrieves answering in_progress before a batch ends (default 1). */
  readonly pollsBeforeEnd?: number;
  /**
   * How a batch ends (default `completed` / anthropic `ended`): `expired` or `cancelled` leave the
   * OpenAI batch in that status (its answered items are in the output file).
   */
  readonly endStatus?: (batchIndex: number) => "completed" | "expired" | "cancelled";
  /** While false, every batch stays in_progress (a run killed mid-batch). Default: true. */
  readonly release?: () => boolean;
  /**
   * OpenAI: the first this many `POST /v1/batches` are read and never answered, and create nothing
   * (a run killed between its upload and the batch's creation). Default 0.
   */
  readonly holdCreates?: number;
}

interface StoredBatch {
  readonly api: "openai" | "anthropic";
  readonly id: string;
  readonly index: number;
  /** OpenAI: the uploaded file it was created from. */
  readonly inputFileId?: string;
  readonly items: (BatchItemCall & { outcome: ItemOutcome })[];
  polls: number;
  cancelled: boolean;
}

export interface BatchServer {
  /** OpenAI base URL (http://127.0.0.1:<port>/v1). */
  readonly url: string;
  /** Anthropic base URL (http://127.0.0.1:<port>; the SDK adds /v1). */
  readonly anthropicUrl: string;
  /** Every batch created, in order (the submission count is its length). */
  readonly batches: StoredBatch[];
  readonly uploads: string[];
  /** The input file ids of the held (never answered) batch creates. */
  readonly heldCreates: string[];
  readonly retrieves: string[];
  readonly resultReads: string[];
  readonly cancels: string[];
  /** Items submitted per custom id (a duplicate submission shows as a count above 1). */
  submissionsOf(customId: string): number;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });

const send = (res: ServerResponse, status: number, body: unknown, type = "application/json") => {
  res.writeHead(status, { "content-type": type });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
};

function responseBody(id: string, model: string, o: ItemOutcome & { kind: "answer" }) {
  const u = { input: 1000, output: 500, cachedRead: 0, reasoning: 300, ...o.usage };
  return {
    id,
    object: "response",
    created_at: 1,
    model,
    status: "completed",
    error: null,
    incomplete_details: null,
    output: [
      {
        type: "message",
        id: `msg_${id}`,
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: o.text, annotations: [] }],
      },
    ],
    usage: {
      input_tokens: u.input,
      input_tokens_details: { cached_tokens: u.cachedRead },
      output_tokens: u.output,
      output_tokens_details: { reasoning_tokens: u.reasoning },
      total_tokens: u.input + u.output,
    },
  };
}

function anthropicResult(b: StoredBatch, it: StoredBatch["items"][number]) {
  const o = it.outcome;
  if (o.kind === "expired") return { custom_id: it.customId, result: { type: "expired" } };
  if (o.kind === "error")
    return {
      custom_id: it.customId,
      result: {
        type: "errored",
        error: { type: "error", error: { type: o.type ?? "api_error", message: o.message } },
      },
    };
  const u = { input: 1000, output: 500, cachedRead: 0, cacheWrite: 0, ...o.usage };
  return {
    custom_id: it.customId,
    result: {
      type: "succeeded",
      message: {
        id: `msg_${b.id}_${it.customId}`,
        type: "message",
        role: "assistant",
        model: String(it.body.model),
        content: [{ type: "text", text: o.text }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: {
          input_tokens: u.input - u.cachedRead - u.cacheWrite,
          output_tokens: u.output,
          cache_read_input_tokens: u.cachedRead,
          cache_creation_input_tokens: u.cacheWrite,
        },
      },
    },
  };
}

/** The prompt of an Anthropic request: plain content or the first text block (--prompt-cache). */
const anthropicPrompt = (params: Record<string, unknown>): string => {
  const m = (params.messages as { content: unknown }[] | undefined)?.[0]?.content;
  if (typeof m === "string") return m;
  return (m as { text?: string }[] | undefined)?.[0]?.text ?? "";
};

/**
 * A node:http server on 127.0.0.1 speaking enough of OpenAI's Files and Batch APIs (`/v1/files`,
 * `/v1/files/{id}/content`, `/v1/batches`, retrieve, cancel) and Anthropic's Message Batches (create,
 * retrieve, results JSONL) for the SDKs, plus `GET /v1/models/{id}` for the pre-flights.
 */
export async function startBatchServer(opts: BatchServerOptions): Promise<BatchServer> {
  const files = new Map<string, string>();
  let itemIndex = 0;
  const perId = new Map<string, number>();
  const state = {
    url: "",
    anthropicUrl: "",
    batches: [] as StoredBatch[],
    uploads: [] as string[],
    heldCreates: [] as string[],
    retrieves: [] as string[],
    resultReads: [] as string[],
    cancels: [] as string[],
    submissionsOf: (id: string) => perId.get(id) ?? 0,
    close: async () => {},
  };
  const pollsBeforeEnd = opts.pollsBeforeEnd ?? 1;
  const released = () => opts.release?.() ?? true;
  const ended = (b: StoredBatch) => b.cancelled || (released() && b.polls > pollsBeforeEnd);
  const endStatus = (b: StoredBatch) =>
    b.cancelled ? "cancelled" : (opts.endStatus?.(b.index) ?? "completed");

  const addBatch = (
    api: "openai" | "anthropic",
    items: Omit<BatchItemCall, "batchId" | "api">[],
    inputFileId?: string,
  ) => {
    const id = `${api === "openai" ? "batch" : "msgbatch"}_${state.batches.length + 1}`;
    const b: StoredBatch = {
      api,
      id,
      index: state.batches.length,
      ...(inputFileId !== undefined ? { inputFileId } : {}),
      polls: 0,
      cancelled: false,
      items: items.map((it) => {
        perId.set(it.customId, (perId.get(it.customId) ?? 0) + 1);
        const call = { ...it, api, batchId: id };
        return { ...call, outcome: opts.script({ ...call, index: itemIndex++ }) };
      }),
    };
    state.batches.push(b);
    return b;
  };

  const openaiBatch = (b: StoredBatch) => {
    const done = ended(b);
    const status = done ? endStatus(b) : "in_progress";
    const answered = b.items.filter((it) => it.outcome.kind === "answer").length;
    const errored = b.items.filter((it) => it.outcome.kind === "error").length;
    return {
      id: b.id,
      object: "batch",
      endpoint: "/v1/responses",
      input_file_id: b.inputFileId ?? `file-in-${b.id}`,
      completion_window: "24h",
      status,
      created_at: 1,
      output_file_id: done && answered > 0 ? `file-out-${b.id}` : null,
      error_file_id: done && errored > 0 ? `file-err-${b.id}` : null,
      request_counts: {
        total: b.items.length,
        completed: done ? answered : 0,
        failed: done ? errored : 0,
      },
    };
  };

  const anthropicBatch = (b: StoredBatch) => {
    const done = ended(b);
    const count = (k: ItemOutcome["kind"]) =>
      done ? b.items.filter((it) => it.outcome.kind === k).length : 0;
    return {
      id: b.id,
      type: "message_batch",
      processing_status: done ? "ended" : "in_progress",
      request_counts: {
        processing: done ? 0 : b.items.length,
        succeeded: count("answer"),
        errored: count("error"),
        canceled: 0,
        expired: count("expired"),
      },
      created_at: "2026-12-03T00:00:00Z",
      expires_at: "2026-12-04T00:00:00Z",
      ended_at: done ? "2026-12-03T00:01:00Z" : null,
      cancel_initiated_at: null,
      archived_at: null,
      results_url: done ? `${state.anthropicUrl}/v1/messages/batches/${b.id}/results` : null,
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const method = req.method ?? "GET";
    const model = /^\/v1\/models\/(.+)$/.exec(path);
    const oBatch = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(path);
    const oFile = /^\/v1\/files\/file-(out|err)-([^/]+)\/content$/.exec(path);
    const aBatch = /^\/v1\/messages\/batches\/([^/]+)(\/results|\/cancel)?$/.exec(path);
    if (method === "GET" && model)
      return send(res, 200, {
        id: decodeURIComponent(model[1]!),
        object: "model",
        type: "model",
        created: 1,
        owned_by: "x",
      });
    // OpenAI
    if (method === "POST" && path === "/v1/files") {
      const body = await readBody(req);
      const form = await new Request("http://x/", {
        method: "POST",
        headers: { "content-type": String(req.headers["content-type"]) },
        body,
      }).formData();
      const file = form.get("file");
      const text = typeof file === "string" ? file : await (file as Blob).text();
      const id = `file-${files.size + 1}`;
      files.set(id, text);
      state.uploads.push(id);
      return send(res, 200, {
        id,
        object: "file",
        bytes: text.length,
        created_at: 1,
        filename: "x.jsonl",
        purpose: form.get("purpose"),
      });
    }
    if (method === "POST" && path === "/v1/batches") {
      const body = JSON.parse((await readBody(req)).toString("utf8")) as { input_file_id: string };
      if (state.heldCreates.length < (opts.holdCreates ?? 0)) {
        state.heldCreates.push(body.input_file_id);
        return; // never answered
      }
      const text = files.get(body.input_file_id);
      if (text === undefined)
        return send(res, 400, {
          error: { message: `invalid input_file_id ${body.input_file_id}`, type: "invalid_request_error" },
        });
      const lines = text.split("\n").filter((l) => l.trim() !== "");
      const items = lines.map((l) => {
        const line = JSON.parse(l) as { custom_id: string; body: Record<string, unknown> };
        return { customId: line.custom_id, body: line.body, prompt: promptOf(line.body) };
      });
      return send(res, 200, openaiBatch(addBatch("openai", items, body.input_file_id)));
    }
    if (oBatch) {
      const b = state.batches.find((x) => x.id === oBatch[1]);
      if (!b) return send(res, 404, { error: { message: "no such batch" } });
      if (oBatch[2]) {
        state.cancels.push(b.id);
        b.cancelled = true;
      } else {
        state.retrieves.push(b.id);
        b.polls++;
      }
      return send(res, 200, openaiBatch(b));
    }
    if (method === "GET" && oFile) {
      const b = state.batches.find((x) => x.id === oFile[2])!;
      state.resultReads.push(`${oFile[1]}:${b.id}`);
      const lines = b.items
        .filter((it) => it.outcome.kind === (oFile[1] === "out" ? "answer" : "error"))
        .reverse() // the output file's order is not the input's
        .map((it, i) => {
          const o = it.outcome;
          if (o.kind === "answer")
            return {
              id: `req_${i}`,
              custom_id: it.customId,
              response: {
                status_code: 200,
                request_id: "r",
                body: responseBody(`resp_${b.id}_${i}`, String(it.body.model), o),
              },
              error: null,
            };
          const e = o as ItemOutcome & { kind: "error" };
          return {
            id: `req_${i}`,
            custom_id: it.customId,
            response: {
              status_code: e.status,
              request_id: "r",
              body: { error: { message: e.message, type: e.type ?? "server_error" } },
            },
            error: null,
          };
        });
      return send(
        res,
        200,
        `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`,
        "application/octet-stream",
      );
    }
    // Anthropic
    if (method === "POST" && path === "/v1/messages/batches") {
      const body = JSON.parse((await readBody(req)).toString("utf8")) as {
        requests: { custom_id: string; params: Record<string, unknown> }[];
      };
      const items = body.requests.map((r) => ({
        customId: r.custom_id,
        body: r.params,
        prompt: anthropicPrompt(r.params),
      }));
      return send(res, 200, anthropicBatch(addBatch("anthropic", items)));
    }
    if (aBatch) {
      const b = state.batches.find((x) => x.id === aBatch[1]);
      if (!b)
        return send(res, 404, {
          type: "error",
          error: { type: "not_found_error", message: "no such batch" },
        });
      if (aBatch[2] === "/results") {
        state.resultReads.push(b.id);
        const lines = [...b.items].reverse().map((it) => JSON.stringify(anthropicResult(b, it)));
        return send(res, 200, `${lines.join("\n")}\n`, "application/binary");
      }
      if (aBatch[2] === "/cancel") {
        state.cancels.push(b.id);
        b.cancelled = true;
      } else {
        state.retrieves.push(b.id);
        b.polls++;
      }
      return send(res, 200, anthropicBatch(b));
    }
    send(res, 404, { error: { message: `no route ${method} ${path}` } });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { error: { message: String(err) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${port}/v1`;
  state.anthropicUrl = `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
