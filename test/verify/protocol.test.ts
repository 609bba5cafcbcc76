import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeRequest, parseHarnessOutput } from "../../src/verify/protocol.js";

const req = {
  code: "def f(x): return 1",
  sysPath: ["/usr/lib/python3.11"],
  cpuSeconds: 2,
  memoryBytes: 1 << 30,
  openFiles: 64,
  fileBytes: 1 << 20,
  processes: 1,
};

describe("encodeRequest", () => {
  it("sends a header, the paths, the code bytes and the inputs, and nothing else", () => {
    const buf = encodeRequest({ ...req, inputs: ["0101", "1100"], splitSizes: [1, 1] }).toString("utf8");
    expect(buf).toBe(
      "LLMERM3 code=18 n=2 splits=1,1 paths=1 cpu=2 as=1073741824 nofile=64 fsize=1048576 nproc=1\n" +
        "/usr/lib/python3.11\ndef f(x): return 14,4\n01011100",
    );
  });

  it("counts code in bytes, not characters", () => {
    const buf = encodeRequest({ ...req, code: "é", inputs: [], splitSizes: [] }).toString("utf8");
    expect(buf.startsWith("LLMERM3 code=2 n=0")).toBe(true);
  });

  it("frames inputs by their UTF-8 byte lengths, so newlines, NUL and any character pass as they are", () => {
    const buf = encodeRequest({ ...req, code: "", inputs: ["a\nb", "", "é\u0000"], splitSizes: [3] });
    const text = buf.toString("utf8");
    expect(text.endsWith("\n3,0,3\na\nbé\u0000")).toBe(true);
  });

  it("refuses split sizes that do not add up to the inputs", () => {
    expect(() => encodeRequest({ ...req, inputs: ["0", "1"], splitSizes: [1] })).toThrow(/add up to 1/);
  });
});

describe("parseHarnessOutput", () => {
  const preds = fc.stringMatching(/^[01E]{0,50}$/);

  it("reads back any complete report (law)", () => {
    fc.assert(
      fc.property(preds, (p) => {
        const e = p.split("E").length - 1;
        const out = Buffer.from(`L f\n${p}\nD ${e} ValueError: bad\n`);
        expect(parseHarnessOutput(out, p.length)).toEqual({
          state: "done",
          functionName: "f",
          predictions: p,
          exceptions: e,
          firstException: "ValueError: bad",
        });
      }),
    );
  });

  it("calls any truncation incomplete, never done", () => {
    fc.assert(
      fc.property(preds, fc.nat(), (p, cut) => {
        const e = p.split("E").length - 1;
        const full = `L f\n${p}\nD ${e} \n`;
        const at = cut % full.length;
        const r = parseHarnessOutput(Buffer.from(full.slice(0, at)), p.length);
        expect(r.state).toBe("incomplete");
      }),
    );
  });

  it("calls extra bytes from the candidate garbage", () => {
    expect(parseHarnessOutput(Buffer.from("L f\n01x\nD 0 \n"), 3).state).toBe("garbage");
    expect(parseHarnessOutput(Buffer.from("L f\n0101\nD 0 \n"), 3).state).toBe("garbage");
    expect(parseHarnessOutput(Buffer.from("L f\n01\nD 1 \n"), 2).state).toBe("garbage");
    expect(parseHarnessOutput(Buffer.from("hello\nL f\n01\nD 0 \n"), 2).state).toBe("garbage");
    expect(parseHarnessOutput(Buffer.from("L f\n01\nD 0 \nmore"), 2).state).toBe("garbage");
    expect(parseHarnessOutput(Buffer.from("X weird_kind boom\n"), 2).state).toBe("garbage");
  });

  it("reads failures and aborts", () => {
    expect(
      parseHarnessOutput(Buffer.from("X import_error ModuleNotFoundError: No module named 'z'\n"), 1),
    ).toEqual({
      state: "failed",
      kind: "import_error",
      message: "ModuleNotFoundError: No module named 'z'",
    });
    expect(parseHarnessOutput(Buffer.from("L g\n01\nX memory_limit MemoryError raised by g\n"), 5)).toEqual({
      state: "aborted",
      functionName: "g",
      predicted: 2,
      kind: "memory_limit",
      message: "MemoryError raised by g",
    });
  });
});
