import { describe, expect, it } from "vitest";
import { buildSeccompFilter } from "../../src/verify/seccomp-bpf.js";

/** A tiny classic-BPF interpreter, enough to run our filter on a fake seccomp_data. */
function run(filter: Buffer, arch: number, nr: number, arg0 = 0): number {
  const data = Buffer.alloc(64);
  data.writeUInt32LE(nr, 0);
  data.writeUInt32LE(arch, 4);
  data.writeUInt32LE(arg0, 16);
  let acc = 0;
  for (let pc = 0; pc < filter.length / 8; pc++) {
    const code = filter.readUInt16LE(pc * 8);
    const jt = filter.readUInt8(pc * 8 + 2);
    const jf = filter.readUInt8(pc * 8 + 3);
    const k = filter.readUInt32LE(pc * 8 + 4);
    if (code === 0x20) acc = data.readUInt32LE(k);
    else if (code === 0x06) return k;
    else if (code === 0x15) pc += acc === k ? jt : jf;
    else if (code === 0x35) pc += acc >= k ? jt : jf;
    else if (code === 0x45) pc += (acc & k) !== 0 ? jt : jf;
    else throw new Error(`unknown opcode ${code}`);
  }
  throw new Error("fell off the end of the filter");
}

const X64 = 0xc000003e;
const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;

describe("buildSeccompFilter", () => {
  const filter = buildSeccompFilter("x64")!;

  it("allows ordinary syscalls and threads, refuses fork and process clones", () => {
    expect(run(filter, X64, 0)).toBe(ALLOW); // read
    expect(run(filter, X64, 59)).toBe(ALLOW); // execve (bwrap needs it to start python)
    expect(run(filter, X64, 57)).toBe(EPERM); // fork
    expect(run(filter, X64, 56, 0x11)).toBe(EPERM); // clone(SIGCHLD): a process
    expect(run(filter, X64, 56, 0x3d0f00)).toBe(ALLOW); // clone(CLONE_THREAD|...): a thread
    expect(run(filter, X64, 435)).toBe(0x00050026); // clone3 -> ENOSYS, libc falls back to clone
  });

  it("allows unix sockets only", () => {
    expect(run(filter, X64, 41, 1)).toBe(ALLOW);
    expect(run(filter, X64, 41, 2)).toBe(0x00050061);
    expect(run(filter, X64, 41, 10)).toBe(0x00050061);
  });

  it("kills a foreign architecture or an x32 syscall", () => {
    expect(run(filter, 0x40000003, 1)).toBe(0x80000000);
    expect(run(filter, X64, 0x40000000 + 57)).toBe(0x80000000);
  });

  it("has an arm64 table and none for unknown architectures", () => {
    const arm = buildSeccompFilter("arm64")!;
    expect(run(arm, 0xc00000b7, 220, 0x11)).toBe(EPERM);
    expect(run(arm, 0xc00000b7, 63)).toBe(ALLOW);
    expect(buildSeccompFilter("mips")).toBeUndefined();
  });
});
