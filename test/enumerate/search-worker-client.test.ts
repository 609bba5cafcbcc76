import { describe, expect, it } from "vitest";
import { startSearch } from "../../src/enumerate/search-worker-client.js";
import { runPython } from "./helpers.js";

describe("the search worker", () => {
  it("takes class labels (strings) and returns Python that answers with the class", async () => {
    const train = ["aab", "ab", "bba", "b", "aaaa", "bab", "abab", "bb"].map((x) => ({
      x,
      y: x.startsWith("a") ? "starts-a" : "starts-b",
    }));
    const job = startSearch(train, { maxPrograms: 20_000, maxSeconds: 60, maxSize: 5, proposals: 2 });
    const { found } = await job.result;
    expect(found[0]!.train_errors).toBe(0);
    const [out] = runPython([found[0]!.code], ["a", "ba", "aqq", "zzz"]);
    expect(out).toEqual(["starts-a", "starts-b", "starts-a", "starts-b"]);
  });
});
