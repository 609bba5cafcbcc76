import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { z } from "zod";

/** The version of an installed npm package, from its package.json ("unknown" when not found). */
export function packageVersion(name: string): string {
  try {
    const entry = createRequire(import.meta.url).resolve(name);
    // The entry sits in the package's root or below it: walk up to the package.json that names it.
    for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
      try {
        const parsed = z
          .object({ name: z.string(), version: z.string() })
          .safeParse(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")));
        if (parsed.success && parsed.data.name === name) return parsed.data.version;
      } catch {
        // no package.json here: one level up
      }
    }
  } catch {
    // not installed
  }
  return "unknown";
}
