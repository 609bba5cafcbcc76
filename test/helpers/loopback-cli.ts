import { afterEach } from "vitest";
import {
  type ResponsesServer,
  type ResponsesServerOptions,
  startResponsesServer,
} from "./responses-server.js";

/** The environment a spawned CLI needs to talk to a loopback server (a fake key, never a real one). */
export const loopbackEnv = (url: string): Record<string, string> => ({
  OPENAI_API_KEY: "fake-openai-key",
  OPENAI_BASE_URL: url,
});

/** A small grid: fn_a and fn_b at lengths 20 and 25 (4 grid points), `attempts` each, 200 test examples. */
export const smallGrid = (attempts: number): string[] => [
  "run",
  "--functions",
  "fn_a",
  "fn_b",
  "--lengths",
  "20",
  "25",
  "--attempts",
  String(attempts),
  "--test-size",
  "200",
];

/**
 * For a test file: returns a function that starts a loopback Responses server; every server it
 * started is closed after each test (a failing test never leaves one listening).
 */
export function useResponsesServer(): (opts: ResponsesServerOptions) => Promise<ResponsesServer> {
  const open: ResponsesServer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (opts) => {
    const server = await startResponsesServer(opts);
    open.push(server);
    return server;
  };
}
