/**
 * The shipped path: `bin/llm-erm.js` -> `dist/`, as `npm pack` packages it (the `files` list), not the
 * sources through tsx as every other CLI test runs them. `npm run build` compiles dist/, `npm pack` makes
 * the tarball, which is unpacked into a temporary directory (its dependencies linked from this checkout)
 * and run with plain `node`. A file the compiled code loads at run time (a worker module,
 * python/harness.py, data/, package.json) missing from dist/ or from `files` fails here.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
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

/**
 * `import { learn } from "llm-erm"` in a fresh TypeScript project, as `npm install <tarball>` leaves it:
 * the tarball unpacked into the project's node_modules/llm-erm. (`npm install --offline` of the tarball
 * itself fails here, ENOTCACHED: its dependencies are not in this machine's npm cache; they are linked
 * from this checkout instead, as above.) The consumer is type-checked with tsc against the package's
 * declaration files, through its `exports` map, compiled and run with plain node.
 */
describe("the package as a library (a TypeScript consumer of the tarball)", () => {
  const TSC = join(ROOT, "node_modules", ".bin", "tsc");
  let project: string;

  const tsconfig = (file: string, emit: boolean) =>
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        ...(emit ? { outDir: "out" } : { noEmit: true }),
        types: ["node"],
        typeRoots: [join(ROOT, "node_modules", "@types")],
      },
      files: [file],
    });

  beforeAll(() => {
    project = mkdtempSync(join(work, "consumer-"));
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { "llm-erm": "*" } }),
    );
    const installed = join(project, "node_modules", "llm-erm");
    mkdirSync(installed, { recursive: true });
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"))!;
    const untar = spawnSync("tar", ["-xzf", join(work, tarball), "-C", installed, "--strip-components=1"], {
      encoding: "utf8",
    });
    expect(untar.status, untar.stderr).toBe(0);
    symlinkSync(join(ROOT, "node_modules"), join(installed, "node_modules"), "dir");
  });

  it("type-checks and runs a consumer that calls learn with the enumerator", () => {
    writeFileSync(
      join(project, "consumer.ts"),
      [
        'import { type LearnExample, type LearnResult, learn, tasks } from "llm-erm";',
        "",
        'const parity = (x: string): LearnExample => ({ x, y: [...x].filter((c) => c === "1").length % 2 });',
        'const all = Array.from({ length: 256 }, (_, i) => i.toString(2).padStart(8, "0"));',
        "const result: LearnResult = await learn({",
        "  train: all.filter((_, i) => i % 4 === 0).map(parity),",
        "  val: all.filter((_, i) => i % 4 === 1).map(parity),",
        "  test: all.filter((_, i) => i % 4 >= 2).map(parity),",
        "  attempts: 3,",
        "});",
        "const { proposer, solved, code, test_acc } = result;",
        'console.log(JSON.stringify({ proposer, solved, code, test_acc, attempts: result.attempts.length, fn_a: tasks.get("fn_a").name }));',
        "",
      ].join("\n"),
    );
    writeFileSync(join(project, "tsconfig.json"), tsconfig("consumer.ts", true));
    const tsc = spawnSync(TSC, ["-p", "tsconfig.json"], { cwd: project, encoding: "utf8", timeout: 120_000 });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    const run = spawnSync(process.execPath, [join(project, "out", "consumer.js")], {
      cwd: project,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    // a library call writes nothing of its own: stdout is the consumer's one line, stderr is empty
    expect(run.stderr).toBe("");
    const out = z
      .object({
        proposer: z.string(),
        solved: z.boolean(),
        code: z.string(),
        test_acc: z.number(),
        attempts: z.number(),
        fn_a: z.string(),
      })
      .parse(JSON.parse(run.stdout));
    expect(out).toMatchObject({ proposer: "enumerative", solved: true, test_acc: 1, fn_a: "parity_all" });
    expect(out.code).toMatch(/^def f\(x\):/);
    // nothing written into the project but what the consumer made
    expect(readdirSync(project).sort()).toEqual([
      "consumer.ts",
      "node_modules",
      "out",
      "package.json",
      "tsconfig.json",
    ]);
  }, 180_000);

  it("the declarations are real types: a wrong input fails tsc", () => {
    writeFileSync(
      join(project, "wrong.ts"),
      'import { learn } from "llm-erm";\nawait learn({ train: [{ x: 1, y: 0 }], val: [] });\n',
    );
    writeFileSync(join(project, "tsconfig.wrong.json"), tsconfig("wrong.ts", false));
    const tsc = spawnSync(TSC, ["-p", "tsconfig.wrong.json"], {
      cwd: project,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(tsc.status).not.toBe(0);
    expect(tsc.stdout).toMatch(
      /wrong\.ts\(2,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/,
    );
  }, 120_000);

  it("only the public entry is exported (a deep import is refused by the exports map)", () => {
    const run = spawnSync(
      process.execPath,
      ["--input-type=module", "-e", 'import("llm-erm/dist/cli/main.js").catch((e) => console.log(e.code));'],
      { cwd: project, encoding: "utf8" },
    );
    expect(run.stdout.trim()).toBe("ERR_PACKAGE_PATH_NOT_EXPORTED");
  });
});
