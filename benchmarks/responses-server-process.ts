/**
 * The loopback Responses server (test/helpers/responses-server.ts) in a process of its own, so a
 * benchmark's measured process runs only the runner. Every create is answered after `latencyMs` with
 * the constant-zero program (wrong on balanced data: no early stop).
 *
 *   node --import tsx benchmarks/responses-server-process.ts [latencyMs]
 *
 * Prints one JSON line `{"url": "http://127.0.0.1:<port>/v1"}` when listening. When its stdin ends
 * (the parent closes it, or dies), prints `{"calls": n, "maxInFlight": m}` and exits.
 */
import { answer, PROGRAMS } from "../test/helpers/programs.js";
import { startResponsesServer } from "../test/helpers/responses-server.js";

const latencyMs = Number(process.argv[2] ?? 100);
if (!Number.isFinite(latencyMs) || latencyMs < 0) {
  process.stderr.write(`responses-server-process: latencyMs must be a number >= 0, got ${process.argv[2]}\n`);
  process.exit(2);
}

const server = await startResponsesServer({
  latencyMs,
  script: () => ({ kind: "completed", text: answer(PROGRAMS.constantZero) }),
});
// Keep no per-call bodies (each holds a paper prompt): the benchmark only needs the counts.
let calls = 0;
const recorded = server.calls;
const trim = setInterval(() => {
  calls += recorded.length;
  recorded.length = 0;
}, 1000);
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(trim);
  calls += recorded.length;
  const stats = { calls, maxInFlight: server.maxInFlight };
  await server.close();
  process.stdout.write(`${JSON.stringify(stats)}\n`, () => process.exit(0));
};
process.stdin.on("end", () => void stop());
process.stdin.on("close", () => void stop());
process.stdin.resume();
