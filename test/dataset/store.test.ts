import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { buildDatasets } from "../../src/dataset/build-pool.js";
import type { DatasetSpec } from "../../src/dataset/spec.js";
import {
  creationTime,
  DatasetDamagedError,
  loadDataset,
  loadOrBuildDataset,
} from "../../src/dataset/store.js";

const fixtures = fileURLToPath(new URL("../fixtures/ref_datasets", import.meta.url));
const spec = (fn: string, length: number, seed = 11): DatasetSpec => ({
  fn,
  length,
  trainSize: 20,
  valSize: 10,
  testSize: 30,
  seed,
});
const pySpec = (fn: string, length: number): DatasetSpec => ({
  fn,
  length,
  trainSize: 100,
  valSize: 100,
  testSize: 100,
  seed: 7,
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "llm-erm-store-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const damaged = async (p: Promise<unknown>, pattern: RegExp) => {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DatasetDamagedError);
  expect((err as Error).message).toMatch(pattern);
};

describe("dataset store", () => {
  it("writes the paper's layout and meta.json fields, then reuses the directory", async () => {
    const first = await loadOrBuildDataset(spec("fn_a", 20), dir);
    expect(first.reused).toBe(false);
    expect(first.path).toMatch(/parity_all\/L20\/seed\d+$/);
    expect(readdirSync(first.path).sort()).toEqual(["meta.json", "test.txt", "train.txt", "val.txt"]);
    const meta = JSON.parse(readFileSync(join(first.path, "meta.json"), "utf8"));
    expect(Object.keys(meta).slice(0, 7)).toEqual([
      "fn",
      "target_name",
      "length",
      "decimal",
      "derived_seed",
      "sizes",
      "created_ts",
    ]);
    expect(meta.sizes).toEqual({ train: 20, val: 10, test: 30 });
    expect(readFileSync(join(first.path, "train.txt"), "utf8").split("\n")).toHaveLength(21);
    const again = await loadOrBuildDataset(spec("fn_a", 20), dir);
    expect(again.reused).toBe(true);
    expect({ ...again.dataset }).toEqual({ ...first.dataset });
    // no temporary directories left behind
    expect(readdirSync(join(dir, "parity_all", "L20"))).toHaveLength(1);
  });

  it("writes byte-identical split files for the same spec in two places", async () => {
    const other = mkdtempSync(join(tmpdir(), "llm-erm-store-b-"));
    try {
      const a = await loadOrBuildDataset(spec("fn_i", 25), dir);
      const b = await loadOrBuildDataset(spec("fn_i", 25), other);
      for (const f of ["train.txt", "val.txt", "test.txt"]) {
        expect(readFileSync(join(a.path, f))).toEqual(readFileSync(join(b.path, f)));
      }
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("with SOURCE_DATE_EPOCH, meta.json is byte-identical too; a malformed one is a usage error", async () => {
    const other = mkdtempSync(join(tmpdir(), "llm-erm-store-b-"));
    const saved = process.env.SOURCE_DATE_EPOCH;
    try {
      process.env.SOURCE_DATE_EPOCH = "1700000000";
      const a = await loadOrBuildDataset(spec("fn_a", 20), dir);
      await new Promise((r) => setTimeout(r, 1100)); // the clock moves on; created_ts must not
      const b = await loadOrBuildDataset(spec("fn_a", 20), other);
      const meta = readFileSync(join(a.path, "meta.json"), "utf8");
      expect(meta).toBe(readFileSync(join(b.path, "meta.json"), "utf8"));
      expect(JSON.parse(meta).created_ts).toBe(1700000000);
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
      rmSync(other, { recursive: true, force: true });
    }
    expect(() => creationTime({ SOURCE_DATE_EPOCH: "yesterday" })).toThrow(UsageError);
    const now = Math.floor(Date.now() / 1000);
    expect(Math.abs(creationTime({}) - now)).toBeLessThanOrEqual(1);
  });

  it("finds and reuses a directory written by the Python runner as is", async () => {
    cpSync(fixtures, dir, { recursive: true });
    for (const [fn, length] of [
      ["fn_b", 20],
      ["fn_h", 20],
      ["fn_i", 20],
      ["fn_e", 30],
    ] as const) {
      const r = await loadOrBuildDataset(pySpec(fn, length), dir);
      expect(r.reused, fn).toBe(true);
      expect(r.dataset.writtenBy).toBe("python-runner");
      expect(r.dataset.train).toHaveLength(100);
      expect(r.dataset.test.filter((e) => e.y === 1)).toHaveLength(50);
    }
    const deep = await loadDataset(join(dir, "dyck2/L20/seed114873176"), pySpec("fn_h", 20), { deep: true });
    expect(deep.val).toHaveLength(100);
  });

  it("detects an edited label in a Python runner directory (no checksums) in train", async () => {
    cpSync(fixtures, dir, { recursive: true });
    const file = join(dir, "parity_first_half/L20/seed370982471/train.txt");
    const lines = readFileSync(file, "utf8").split("\n");
    lines[4] = lines[4]!.replace(/-> (\d)$/, (_, y) => `-> ${y === "1" ? "0" : "1"}`);
    writeFileSync(file, lines.join("\n"));
    await damaged(loadOrBuildDataset(pySpec("fn_b", 20), dir), /train\.txt:5: label \d is wrong/);
  });

  it("deep verification reports an input that appears twice, except where the paper allows it", async () => {
    cpSync(fixtures, dir, { recursive: true });
    const path = join(dir, "parity_first_half/L20/seed370982471");
    // The runner's own files are distinct: deep verification passes as they are.
    expect((await loadDataset(path, pySpec("fn_b", 20), { deep: true })).test).toHaveLength(100);
    // Replace a test line by a copy of a train line with the same label: counts, labels and balance stay
    // right (and runner directories carry no checksums), so only the distinctness check can see it.
    const train = readFileSync(join(path, "train.txt"), "utf8").split("\n");
    const testFile = join(path, "test.txt");
    const test = readFileSync(testFile, "utf8").split("\n");
    const label = (line: string) => line.slice(-1);
    const at = test.findIndex((l) => l !== "" && label(l) === label(train[0]!));
    test[at] = train[0]!;
    writeFileSync(testFile, test.join("\n"));
    await damaged(
      loadDataset(path, pySpec("fn_b", 20), { deep: true }),
      new RegExp(`test\\.txt:${at + 1}: input \\d+ appears again \\(first at train\\.txt:1\\)`),
    );
    // fn_h at L=20 allows duplicates (the paper's sampler): the runner's dyck2 L20 directory passes.
    const dyck = await loadDataset(join(dir, "dyck2/L20/seed114873176"), pySpec("fn_h", 20), { deep: true });
    expect(dyck.train).toHaveLength(100);
  });

  it("detects edited, truncated, half-written and miscounted datasets, naming the file", async () => {
    const { path } = await loadOrBuildDataset(spec("fn_c", 30), dir);
    const test = join(path, "test.txt");
    const original = readFileSync(test, "utf8");

    writeFileSync(test, original.replace(/-> 0\n/, "-> 1\n"));
    await damaged(loadOrBuildDataset(spec("fn_c", 30), dir), /test\.txt: SHA-256 differs/);

    writeFileSync(test, original.slice(0, original.length - 7));
    await damaged(loadOrBuildDataset(spec("fn_c", 30), dir), /test\.txt: SHA-256/);

    rmSync(test);
    await damaged(loadOrBuildDataset(spec("fn_c", 30), dir), /test\.txt: missing/);

    writeFileSync(test, original);
    writeFileSync(join(path, "meta.json"), '{\n  "fn": "fn_c",\n  "tar');
    await damaged(loadOrBuildDataset(spec("fn_c", 30), dir), /meta\.json: not valid JSON/);
  });

  it("checks structure when there are no checksums: line count, bad line, length", async () => {
    cpSync(fixtures, dir, { recursive: true });
    const path = join(dir, "parity_rand_3/L30/seed2021258691");
    const test = join(path, "test.txt");
    const original = readFileSync(test, "utf8");
    const lines = original.split("\n");

    writeFileSync(test, `${lines.slice(0, 60).join("\n")}\n`);
    await damaged(
      loadOrBuildDataset(pySpec("fn_e", 30), dir),
      /test\.txt: has 60 lines, meta\.json says 100/,
    );

    writeFileSync(test, original.slice(0, original.length - 4));
    await damaged(loadOrBuildDataset(pySpec("fn_e", 30), dir), /test\.txt:100: /);

    writeFileSync(test, original.replace(/^[01]+ -> /, "0101 -> "));
    await damaged(loadOrBuildDataset(pySpec("fn_e", 30), dir), /test\.txt:1: input has length 4/);

    writeFileSync(test, original.replace(/^([01]+) -> /, "$1 => "));
    await damaged(loadOrBuildDataset(pySpec("fn_e", 30), dir), /test\.txt:1: expected/);
  });

  it("two builders of the same dataset at once agree and leave one intact directory", async () => {
    const s = spec("fn_l", 40);
    const other = buildDatasets([s, s], dir, { concurrency: 2 });
    const results = await Promise.all([loadOrBuildDataset(s, dir), loadOrBuildDataset(s, dir), other]);
    const [a, b, [c, d]] = results;
    for (const r of [b, c, d]) expect(r?.dataset.test).toEqual(a.dataset.test);
    expect(readdirSync(join(dir, "sha256_parity", "L40"))).toHaveLength(1);
    expect((await loadDataset(a.path, s, { deep: true })).train).toHaveLength(20);
  });

  it("reports an unwritable dataset dir as a usage error naming --dataset-dir", async () => {
    const blocker = join(dir, "file");
    writeFileSync(blocker, "not a directory");
    const err = await loadOrBuildDataset(spec("fn_a", 20), join(blocker, "datasets")).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/--dataset-dir .*file\/datasets/);
  });
});

describe("a directory shared by other split sizes (the derived seed hashes train+val)", () => {
  // 20/10 and 24/6 (train/val) with the same test size share one directory, as 100/100 and 150/50 do.
  const sized = (trainSize: number, valSize: number, fn = "fn_a", length = 20): DatasetSpec => ({
    fn,
    length,
    trainSize,
    valSize,
    testSize: 30,
    seed: 11,
  });
  const splitBytes = (path: string) =>
    ["train.txt", "val.txt", "test.txt"].map((f) => readFileSync(join(path, f), "utf8"));

  it("regenerates a valid dataset of other sizes for the sizes asked, atomically, and says so", async () => {
    const first = await loadOrBuildDataset(sized(20, 10), dir);
    const bytesA = splitBytes(first.path);
    const second = await loadOrBuildDataset(sized(24, 6), dir);
    expect(second.path).toBe(first.path);
    expect(second.reused).toBe(false);
    expect(second.replaced).toEqual({ train: 20, val: 10, test: 30 });
    expect(second.dataset.train).toHaveLength(24);
    expect(second.dataset.val).toHaveLength(6);
    expect(JSON.parse(readFileSync(join(second.path, "meta.json"), "utf8")).sizes).toEqual({
      train: 24,
      val: 6,
      test: 30,
    });
    // what is on disk is what a fresh build of these sizes writes, and checks out deeply
    const fresh = mkdtempSync(join(tmpdir(), "llm-erm-fresh-"));
    try {
      const alone = await loadOrBuildDataset(sized(24, 6), fresh);
      expect(splitBytes(second.path)).toEqual(splitBytes(alone.path));
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
    expect((await loadDataset(second.path, sized(24, 6), { deep: true })).train).toHaveLength(24);
    // reused as is for the same sizes; back to the first sizes gives the first bytes again
    const again = await loadOrBuildDataset(sized(24, 6), dir);
    expect(again.reused).toBe(true);
    expect(again.replaced).toBeUndefined();
    const back = await loadOrBuildDataset(sized(20, 10), dir);
    expect(back.replaced).toEqual({ train: 24, val: 6, test: 30 });
    expect(splitBytes(back.path)).toEqual(bytesA);
    // no temporary or old directories left behind
    expect(readdirSync(join(dir, "parity_all", "L20"))).toEqual([first.path.split("/").pop()]);
  });

  it("regenerates a Python runner directory of other sizes, as the runner does", async () => {
    cpSync(fixtures, dir, { recursive: true });
    const other: DatasetSpec = { ...pySpec("fn_b", 20), trainSize: 150, valSize: 50 };
    const r = await loadOrBuildDataset(other, dir);
    expect(r.path).toBe(join(dir, "parity_first_half/L20/seed370982471"));
    expect(r.replaced).toEqual({ train: 100, val: 100, test: 100 });
    expect(r.dataset.writtenBy).toBe("llm-erm");
    expect(r.dataset.train).toHaveLength(150);
  });

  it("still calls a damaged dataset of other sizes damaged, and leaves it in place", async () => {
    const { path } = await loadOrBuildDataset(sized(20, 10, "fn_c", 30), dir);
    const train = join(path, "train.txt");
    writeFileSync(train, readFileSync(train, "utf8").replace(/-> 0\n/, "-> 1\n"));
    const edited = readFileSync(train, "utf8");
    await damaged(loadOrBuildDataset(sized(24, 6, "fn_c", 30), dir), /train\.txt: SHA-256 differs/);
    expect(readFileSync(train, "utf8")).toBe(edited);
    // meta.json claiming sizes that do not belong in this directory is damage, not other sizes
    const meta = JSON.parse(readFileSync(join(path, "meta.json"), "utf8"));
    writeFileSync(
      join(path, "meta.json"),
      JSON.stringify({ ...meta, sizes: { train: 40, val: 10, test: 30 } }),
    );
    await damaged(loadOrBuildDataset(sized(24, 6, "fn_c", 30), dir), /meta\.json: derived_seed/);
  });

  it("builds on worker threads report the replacement too", async () => {
    await buildDatasets([sized(20, 10), sized(20, 10, "fn_b")], dir, { concurrency: 2 });
    const results = await buildDatasets([sized(24, 6), sized(24, 6, "fn_b")], dir, { concurrency: 2 });
    expect(results.map((r) => [r.reused, r.replaced])).toEqual([
      [false, { train: 20, val: 10, test: 30 }],
      [false, { train: 20, val: 10, test: 30 }],
    ]);
  });
});

describe("buildDatasets", () => {
  it("builds on worker threads with the same bytes as in this thread, in the order asked", async () => {
    const specs = [spec("fn_a", 20), spec("fn_i", 30), spec("fn_h", 40), spec("fn_g", 25)];
    const seen: string[] = [];
    const parallel = await buildDatasets(specs, dir, {
      concurrency: 2,
      onProgress: (r) => seen.push(r.spec.fn),
    });
    expect(parallel.map((r) => r.spec.fn)).toEqual(["fn_a", "fn_i", "fn_h", "fn_g"]);
    expect(seen.sort()).toEqual(["fn_a", "fn_g", "fn_h", "fn_i"]);
    const other = mkdtempSync(join(tmpdir(), "llm-erm-pool-"));
    try {
      const serial = await buildDatasets(specs, other, { concurrency: 1 });
      for (const [i, r] of serial.entries()) expect(r.dataset.train).toEqual(parallel[i]?.dataset.train);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    expect((await buildDatasets(specs, dir, { concurrency: 2 })).every((r) => r.reused)).toBe(true);
  });

  it("rethrows a worker's damaged-dataset error with its class", async () => {
    const [r] = await buildDatasets([spec("fn_b", 20)], dir, { concurrency: 1 });
    writeFileSync(join(r!.path, "val.txt"), "");
    const err = await buildDatasets([spec("fn_a", 20), spec("fn_b", 20)], dir, { concurrency: 2 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatasetDamagedError);
    expect((err as Error).message).toMatch(/val\.txt/);
  });
});
