import { createHash } from "node:crypto";
import OpenAI, { toFile } from "openai";
import { z } from "zod";
import {
  buildResponsesRequest,
  interpretResponse,
  type OpenAIRequestConfig,
  promptCacheKeyOf,
} from "../openai-request.js";
import { DEFAULT_RETRY_POLICY, describeError, type RetryPolicy, withRetry } from "../openai-retry.js";
import type { BatchItem, BatchState, BatchTransport, ItemResult, SubmitStaging } from "./batch-transport.js";

export interface OpenAIBatchOptions extends OpenAIRequestConfig {
  readonly client?: OpenAI;
  readonly apiKey?: string | undefined;
  readonly baseURL?: string | undefined;
  /** prompt_cache_key per grid point in every request line. */
  readonly promptCache?: boolean;
  readonly retry?: RetryPolicy;
  readonly onEvent?: (event: string, fields: Record<string, unknown>) => void;
}

/** One line of a batch's output or error file (the documented batch output format). */
const OutputLine = z
  .object({
    custom_id: z.string(),
    response: z.object({ status_code: z.number(), body: z.unknown() }).passthrough().nullish(),
    error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).passthrough().nullish(),
  })
  .passthrough();

const ENDED = new Set(["completed", "failed", "expired", "cancelled"]);

/** What one output/error line means for its attempt. */
export function interpretOutputLine(line: z.infer<typeof OutputLine>): ItemResult {
  const status = line.response?.status_code;
  if (status === 200) {
    const body = line.response?.body as OpenAI.Responses.Response;
    const r = interpretResponse(body);
    const responseId = typeof body?.id === "string" ? body.id : undefined;
    return {
      kind: "answer",
      proposal: {
        text: r.text,
        ...(r.usageReported ? { usage: r.usage } : { usageUnknown: true }),
        toolUses: r.toolUses,
        toolResultsChars: r.toolResultsChars,
        meta: { status: r.status, ...(responseId !== undefined ? { response_id: responseId } : {}) },
        ...(r.error !== undefined ? { error: r.error } : {}),
        ...(r.incompleteReason !== undefined ? { incompleteReason: r.incompleteReason } : {}),
      },
    };
  }
  const body = line.response?.body as { error?: { message?: string } } | undefined;
  const message = body?.error?.message ?? line.error?.message ?? "no response";
  // A transient failure (rate limit, server error, none at all) is sent again; a refusal is recorded.
  if (status === undefined || status === 408 || status === 429 || status >= 500)
    return { kind: "missing", reason: `${status ?? line.error?.code ?? "error"}: ${message}` };
  return { kind: "answer", proposal: { text: "", error: `HTTP ${status}: ${message}` } };
}

/**
 * OpenAI's Batch API for `--batch-api`: the wave's Responses requests as a JSONL file (files.create,
 * purpose `batch`), batches.create on `/v1/responses` with completion_window `24h`, batches.retrieve,
 * and the output and error files read with files.content.
 */
export function createOpenAIBatchTransport(opts: OpenAIBatchOptions): BatchTransport {
  const client =
    opts.client ??
    new OpenAI({
      apiKey: opts.apiKey ?? null,
      ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
      maxRetries: 0,
      timeout: 120_000,
    });
  const retry = opts.retry ?? DEFAULT_RETRY_POLICY;
  const emit = opts.onEvent ?? (() => {});
  const hooks = (signal: AbortSignal) => ({ signal, onRetry: (info: object) => emit("retry", { ...info }) });

  const readFile = async (fileId: string, signal: AbortSignal): Promise<string> =>
    withRetry(async () => (await client.files.content(fileId, { signal })).text(), retry, hooks(signal));

  return {
    provider: "openai",
    async submit(items: readonly BatchItem[], signal: AbortSignal, staging?: SubmitStaging): Promise<string> {
      // In custom id order: the same wave is the same bytes (its digest finds an earlier upload of it).
      const jsonl = [...items]
        .sort((a, b) => (a.customId < b.customId ? -1 : a.customId > b.customId ? 1 : 0))
        .map((it) =>
          JSON.stringify({
            custom_id: it.customId,
            method: "POST",
            url: "/v1/responses",
            body: buildResponsesRequest(
              it.prompt,
              opts,
              false,
              opts.promptCache ? { promptCacheKey: promptCacheKeyOf(it.gridPoint) } : {},
            ),
          }),
        )
        .map((line) => `${line}\n`)
        .join("");
      const digest = createHash("sha256").update(jsonl).digest("hex");
      const create = async (fileId: string) =>
        withRetry(
          () =>
            client.batches.create(
              { input_file_id: fileId, endpoint: "/v1/responses", completion_window: "24h" },
              { signal },
            ),
          retry,
          hooks(signal),
        );
      // Uploaded by a run killed before it created the batch: create it from that file.
      const earlier = staging?.find(digest);
      if (earlier !== undefined) {
        try {
          return (await create(earlier)).id;
        } catch (err) {
          if (signal.aborted) throw err;
          staging?.refused(earlier, describeError(err));
        }
      }
      const file = await withRetry(
        async () =>
          client.files.create(
            { file: await toFile(Buffer.from(jsonl), "llm-erm-wave.jsonl"), purpose: "batch" },
            { signal },
          ),
        retry,
        hooks(signal),
      );
      staging?.uploaded(file.id, digest);
      return (await create(file.id)).id;
    },
    async retrieve(id: string, signal: AbortSignal): Promise<BatchState> {
      const b = await client.batches.retrieve(id, { signal });
      return {
        id,
        status: b.status,
        ended: ENDED.has(b.status),
        counts: {
          total: b.request_counts?.total ?? 0,
          done: b.request_counts?.completed ?? 0,
          failed: b.request_counts?.failed ?? 0,
        },
      };
    },
    async results(id: string, signal: AbortSignal): Promise<Map<string, ItemResult>> {
      const b = await withRetry(() => client.batches.retrieve(id, { signal }), retry, hooks(signal));
      const out = new Map<string, ItemResult>();
      // Errors first: an answer in the output file wins over an error line for the same id.
      for (const fileId of [b.error_file_id, b.output_file_id]) {
        if (!fileId) continue;
        for (const raw of (await readFile(fileId, signal)).split("\n")) {
          if (raw.trim() === "") continue;
          let json: unknown;
          try {
            json = JSON.parse(raw);
          } catch {
            continue;
          }
          const line = OutputLine.safeParse(json);
          if (line.success) out.set(line.data.custom_id, interpretOutputLine(line.data));
        }
      }
      return out;
    },
    async cancel(id: string): Promise<void> {
      try {
        await client.batches.cancel(id);
      } catch (err) {
        emit("batch_cancel_failed", { batch_id: id, error: describeError(err) });
      }
    },
  };
}
