/**
 * The shipped path: `bin/llm-erm.js` -> `dist/`, as `npm pack` packages it (the `files` list), not the
 * sources through tsx as every other CLI test runs them. `npm run build` compiles dist/, `npm pack` makes
 * the tarball, which is unpacked into a temporary directory (its dependencies linked from this checkout)
 * and run with plain `node`. A file the compiled code loads at run time (a worker module,
 * python/harness.py, data/, package.json) missing from dist/ or from `files` fails here.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NPM_ENV = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  npm_config_update_notifier: "false",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_offline: "true",
};

const PackSchema = z.array(
  z.object({ filename: z.string(), files: z.array(z.object({ path: z.string() })) }),
);

let work: string;
let pkg: string;
let packed: string[];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "llm-erm-dist-"));
  const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, env: NPM_ENV, encoding: "utf8" });
  expect(build.status, build.stderr + build.stdout).toBe(0);
  const pack = spawnSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], {
    cwd: ROOT,
    env: NPM_ENV,
    encoding: "utf8",
  });
  expect(pack.status, pack.stderr).toBe(0);
  const [info] = PackSchema.parse(JSON.parse(pack.stdout));
  packed = info!.files.map((f) => f.path);
  const untar = spawnSync("tar", ["-xzf", join(work, info!.filename), "-C", work], { encoding: "utf8" });
  expect(untar.status, untar.stderr).toBe(0);
  pkg = join(work, "package");
  // the installed dependencies, as `npm install llm-erm` would provide them
  symlinkSync(join(ROOT, "node_modules"), join(pkg, "node_modules"), "dir");
}, 120_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `node <package>/bin/llm-erm.js <args>` in `cwd`, with no API key. */
const shipped = (args: readonly string[], cwd: string) =>
  spawnSync(process.execPath, [join(pkg, "bin", "llm-erm.js"), ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    encoding: "utf8",
    timeout: 120_000,
  });

/** Every `.js` file under `dir`, recursively. */
function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith(".js") ? [join(dir, e.name)] : [],
  );
}

describe("the shipped package (bin/llm-erm.js -> dist/, as npm packs it)", () => {
  it("holds every file its compiled code loads at run time", () => {
    const compiled = jsFiles(join(pkg, "dist"));
    expect(compiled.map((f) => relative(pkg, f))).toContain("dist/cli/main.js");
    const loaded: string[] = [];
    for (const file of compiled) {
      const text = readFileSync(file, "utf8");
      // new URL("../../python/harness.py", import.meta.url) and moduleBeside(import.meta.url, "./x")
      for (const m of text.matchAll(/new URL\("([^"]+)", import\.meta\.url\)/g))
        loaded.push(join(dirname(file), m[1]!));
      for (const m of text.matchAll(/moduleBeside\(import\.meta\.url, "([^"]+)"\)/g))
        loaded.push(join(dirname(file), `${m[1]!}.js`));
    }
    const wanted = loaded.map((f) => relative(pkg, f)).sort();
    // the ones known today: a new one is found by the scan, a removed one fails this list
    for (const f of [
      "data/parity_rand_idx.json",
      "dist/dataset/build-worker.js",
      "dist/enumerate/search-worker.js",
      "dist/primes/next-prime-worker.js",
      "package.json",
      "python/harness.py",
    ])
      expect(wanted).toContain(f);
    for (const f of wanted) {
      expect(existsSync(join(pkg, f)), `${f} is loaded at run time but not in the package`).toBe(true);
      expect(packed, `${f} is not in npm pack's file list`).toContain(f);
    }
  });

  it("--version", () => {
    const res = shipped(["--version"], work);
    expect(res.status, res.stderr).toBe(ExitCode.ok);
    const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string })
      .version;
    expect(res.stdout.trim()).toBe(version);
  });

  it("datasets build of a small grid, on worker threads", () => {
    const cwd = mkdtempSync(join(work, "datasets-"));
    const res = shipped(
      [
        "datasets",
        "build",
        "--functions",
        "fn_a",
        "fn_e",
        "--lengths",
        "20",
        "25",
        "--test-size",
        "40",
        "--jobs",
        "2",
      ],
      cwd,
    );
    expect(res.status, res.stderr).toBe(ExitCode.ok);
    expect(res.stdout).toMatch(/^4 built, 0 reused in /m);
    expect(readdirSync(join(cwd, "datasets")).sort()).toEqual(["parity_all", "parity_rand_3"]);
  });

  it("a tiny enumerative run: search worker, sandbox harness, artifacts", () => {
    const cwd = mkdtempSync(join(work, "run-"));
    const res = shipped(
      [
        "run",
        "--functions",
        "fn_a",
        "--lengths",
        "20",
        "--attempts",
        "1",
        "--train-size",
        "40",
        "--val-size",
        "40",
        "--test-size",
        "40",
      ],
      cwd,
    );
    expect(res.status, res.stderr).toBe(ExitCode.ok);
    expect(res.stderr).toMatch(/^llm-erm: provider: enumerative /m);
    const [record] = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(record).toMatchObject({
      fn: "fn_a",
      length: 20,
      attempt: 1,
      proposer: "enumerative",
      outcome: "ok",
    });
    expect(record!.val_acc).toBe(1);
  });
});
