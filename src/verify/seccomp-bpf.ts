/**
 * A seccomp filter as a classic BPF program (the format `bwrap --seccomp FD` reads, as libseccomp's
 * seccomp_export_bpf writes it): no new processes (fork/vfork/clone without CLONE_THREAD; clone3 says
 * ENOSYS so libc falls back to clone), no non-Unix sockets, no ptrace, no namespace or mount games,
 * no bpf/perf/userfaultfd/keyctl/io_uring. execve stays allowed because bwrap loads the filter
 * before it executes python3; an exec'd program would stay inside the same sandbox.
 */

interface SyscallTable {
  readonly auditArch: number;
  /** Syscalls that fail with EPERM. */
  readonly denied: readonly number[];
  readonly clone: number;
  readonly clone3: number;
  readonly socket: number;
  /** x32 syscalls on x86_64 (nr >= 0x40000000) are rejected outright. */
  readonly x32Bit?: number;
}

const TABLES: Readonly<Record<string, SyscallTable>> = {
  x64: {
    auditArch: 0xc000003e,
    // fork vfork ptrace mount umount2 unshare setns bpf userfaultfd perf_event_open keyctl add_key
    // request_key io_uring_setup pivot_root chroot
    denied: [57, 58, 101, 165, 166, 272, 308, 321, 323, 298, 250, 248, 249, 425, 155, 161],
    clone: 56,
    clone3: 435,
    socket: 41,
    x32Bit: 0x40000000,
  },
  arm64: {
    auditArch: 0xc00000b7,
    // ptrace mount umount2 unshare setns bpf userfaultfd perf_event_open keyctl add_key request_key
    // io_uring_setup pivot_root chroot
    denied: [117, 40, 39, 97, 268, 280, 282, 241, 219, 217, 218, 425, 41, 51],
    clone: 220,
    clone3: 435,
    socket: 198,
  },
};

const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;
const RET_ALLOW = 0x7fff0000;
const RET_KILL_PROCESS = 0x80000000;
const RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;
const EAFNOSUPPORT = 97;
const CLONE_THREAD = 0x00010000;
const AF_UNIX = 1;
/** Offsets in struct seccomp_data: nr, arch, instruction_pointer, args[6] (little-endian low words). */
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0 = 16;

type Insn = { code: number; jt: number | string; jf: number | string; k: number } | { label: string };

/** The filter for `arch` (process.arch), or undefined when we have no syscall table for it. */
export function buildSeccompFilter(arch: string = process.arch): Buffer | undefined {
  const t = TABLES[arch];
  if (!t) return undefined;
  const prog: Insn[] = [
    { code: LD_W_ABS, jt: 0, jf: 0, k: OFF_ARCH },
    { code: JEQ_K, jt: 0, jf: "kill", k: t.auditArch },
    { code: LD_W_ABS, jt: 0, jf: 0, k: OFF_NR },
  ];
  if (t.x32Bit !== undefined) prog.push({ code: JGE_K, jt: "kill", jf: 0, k: t.x32Bit });
  for (const nr of t.denied) prog.push({ code: JEQ_K, jt: "eperm", jf: 0, k: nr });
  prog.push(
    { code: JEQ_K, jt: "clone", jf: 0, k: t.clone },
    { code: JEQ_K, jt: "enosys", jf: 0, k: t.clone3 },
    { code: JEQ_K, jt: "socket", jf: 0, k: t.socket },
    { code: RET_K, jt: 0, jf: 0, k: RET_ALLOW },
    { label: "clone" },
    { code: LD_W_ABS, jt: 0, jf: 0, k: OFF_ARG0 },
    { code: JSET_K, jt: "allow", jf: "eperm", k: CLONE_THREAD },
    { label: "socket" },
    { code: LD_W_ABS, jt: 0, jf: 0, k: OFF_ARG0 },
    { code: JEQ_K, jt: "allow", jf: "eafnosupport", k: AF_UNIX },
    { label: "allow" },
    { code: RET_K, jt: 0, jf: 0, k: RET_ALLOW },
    { label: "eperm" },
    { code: RET_K, jt: 0, jf: 0, k: RET_ERRNO | EPERM },
    { label: "enosys" },
    { code: RET_K, jt: 0, jf: 0, k: RET_ERRNO | ENOSYS },
    { label: "eafnosupport" },
    { code: RET_K, jt: 0, jf: 0, k: RET_ERRNO | EAFNOSUPPORT },
    { label: "kill" },
    { code: RET_K, jt: 0, jf: 0, k: RET_KILL_PROCESS },
  );
  return assemble(prog);
}

/** Resolve labels to relative jumps (forward only, < 256) and lay out struct sock_filter entries. */
function assemble(prog: readonly Insn[]): Buffer {
  const labels = new Map<string, number>();
  const insns: Exclude<Insn, { label: string }>[] = [];
  for (const item of prog) {
    if ("label" in item) labels.set(item.label, insns.length);
    else insns.push(item);
  }
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((insn, pc) => {
    const jump = (target: number | string): number => {
      if (typeof target === "number") return target;
      const at = labels.get(target);
      if (at === undefined) throw new Error(`seccomp: unknown label ${target}`);
      const offset = at - pc - 1;
      if (offset < 0 || offset > 255) throw new Error(`seccomp: jump to ${target} out of range`);
      return offset;
    };
    buf.writeUInt16LE(insn.code, pc * 8);
    buf.writeUInt8(jump(insn.jt), pc * 8 + 2);
    buf.writeUInt8(jump(insn.jf), pc * 8 + 3);
    buf.writeUInt32LE(insn.k >>> 0, pc * 8 + 4);
  });
  return buf;
}
