import { createHash } from "node:crypto";

/** Code-unit order (not the locale's): the same on every machine. */
const byCodeUnits = (a: string, b: string): number => {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
};

/** Stable JSON: object keys sorted, so the same config always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => byCodeUnits(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * What makes two attempts comparable: the proposer (with its model and request settings) and the data
 * (sizes, seed). Not what only changes speed (concurrency, batch, timeout, shard). A resume reuses only
 * attempts with the same fingerprint, so baseline and model results never mix.
 */
export function runFingerprint(config: Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJson(config)).digest("hex").slice(0, 16);
}
