/**
 * A seccomp filter as a classic BPF program (the format `bwrap --seccomp FD` reads, as libseccomp's
 * seccomp_export_bpf writes it): no new processes (fork/vfork/clone without CLONE_THREAD; clone3 says
 * ENOSYS so libc falls back to clone), no non-Unix sockets, no ptrace, no namespace or mount games,
 * no bpf/perf/userfaultfd/keyctl/io_uring, nothing that reaches another process (pidfd_open, pidfd_getfd,
 * process_vm_readv/writev, kcmp), no kernel modules, kexec or file handles, and a parent-death signal
 * that can only be SIGKILL (so a candidate cannot clear the one setpriv sets). execve stays allowed because bwrap loads the filter
 * before it executes python3; an exec'd program would stay inside the same sandbox.
 */

interface SyscallTable {
  readonly auditArch: number;
  /** Syscalls that fail with EPERM. */
  readonly denied: readonly number[];
  readonly clone: number;
  readonly clone3: number;
  readonly socket: number;
  readonly prctl: number;
  /** x32 syscalls on x86_64 (nr >= 0x40000000) are rejected outright. */
  readonly x32Bit?: number;
}

const TABLES: Readonly<Record<string, SyscallTable>> = {
  x64: {
    auditArch: 0xc000003e,
    // fork vfork ptrace mount umount2 unshare setns bpf userfaultfd perf_event_open keyctl add_key
    // request_key io_uring_setup pivot_root chroot
    // other processes: pidfd_open pidfd_getfd process_vm_readv process_vm_writev kcmp process_madvise
    // handles and kernel: open_by_handle_at name_to_handle_at init_module finit_module delete_module
    //   kexec_load kexec_file_load reboot swapon swapoff acct fanotify_init move_pages migrate_pages
    //   memfd_secret iopl ioperm quotactl
    // new mount API and the rest of io_uring: fsopen fsmount open_tree move_mount fspick mount_setattr
    //   io_uring_enter io_uring_register
    denied: [
      57, 58, 101, 165, 166, 272, 308, 321, 323, 298, 250, 248, 249, 425, 155, 161, 434, 438, 310, 311, 312,
      440, 304, 303, 175, 313, 176, 246, 320, 169, 167, 168, 163, 300, 279, 256, 447, 172, 173, 179, 430, 432,
      428, 429, 433, 442, 426, 427,
    ],
    clone: 56,
    clone3: 435,
    socket: 41,
    prctl: 157,
    x32Bit: 0x40000000,
  },
  arm64: {
    auditArch: 0xc00000b7,
    // ptrace mount umount2 unshare setns bpf userfaultfd perf_event_open keyctl add_key request_key
    // io_uring_setup pivot_root chroot, then as on x64 (no iopl/ioperm on arm64)
    denied: [
      117, 40, 39, 97, 268, 280, 282, 241, 219, 217, 218, 425, 41, 51, 434, 438, 270, 271, 272, 440, 265, 264,
      105, 273, 106, 104, 294, 142, 224, 225, 89, 262, 239, 238, 447, 60, 430, 432, 428, 429, 433, 442, 426,
      427,
    ],
    clone: 220,
    clone3: 435,
    socket: 198,
    prctl: 167,
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
const PR_SET_PDEATHSIG = 1;
const SIGKILL = 9;
/** Offsets in struct seccomp_data: nr, arch, instruction_pointer, args[6] (little-endian low words). */
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0 = 16;
const OFF_ARG1 = 24;

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
    { code: JEQ_K, jt: "prctl", jf: 0, k: t.prctl },
    { code: RET_K, jt: 0, jf: 0, k: RET_ALLOW },
    // prctl(PR_SET_PDEATHSIG, sig): only SIGKILL (setpriv sets it; a candidate cannot clear it).
    { label: "prctl" },
    { code: LD_W_ABS, jt: 0, jf: 0, k: OFF_ARG0 },
    { code: JEQ_K, jt: 0, jf: "allow", k: PR_SET_PDEATHSIG },
    { code: LD_W_ABS, jt: 0, jf: 0, k: OFF_ARG1 },
    { code: JEQ_K, jt: "allow", jf: "eperm", k: SIGKILL },
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
