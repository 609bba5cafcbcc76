# The harness the sandboxed python3 child runs (never sees a label).
#
# Protocol (parent -> child, on stdin, read completely before any candidate code runs):
#   LLMERM3 code=<bytes> n=<inputs> splits=<n1,n2,...> paths=<count> cpu=<s> as=<bytes> nofile=<n>
#           fsize=<bytes> nproc=<n>\n
#   <count> lines: the sys.path entries to use (probed once by the parent, site.py is not run here)
#   <code bytes>  the candidate module's source (UTF-8)
#   only with classes=<k> in the header (exact scoring, a multi-class job): one line of k comma-separated
#   byte lengths, then the k class texts' UTF-8 bytes back to back
#   one line of n comma-separated byte lengths, then the n inputs' UTF-8 bytes back to back
#   (length-prefixed: an input may hold any character, newlines and NUL included)
# Protocol (child -> parent, on the original stdout, which is moved to a private fd first):
#   "X <kind> <message>\n"                      the candidate failed before any prediction, or aborted
#   "L <function name>\n" then one byte per input ('0', '1', or 'E' when the call raised; with classes=<k>:
#   the character _CLASS_CHARS[i] of the class whose text equals str(answer), '?' for none, or 'E'), written as
#   each answer is made (the parent counts what was answered and times each split from its first
#   input), then "\nD <exceptions> <first exception message>\n"
# Each split (train, val, test: n1, n2, ... inputs in that order) gets its own CPU allowance of <cpu> s:
# the soft RLIMIT_CPU moves up as a split starts, under a hard limit of one allowance per split + 1 s.
# Failures the harness itself hits before any candidate code runs go to stderr (exit 3): the parent
# alone decides that the sandbox failed; a candidate cannot claim it.
# The candidate's own stdin/stdout/stderr are /dev/null. Limits are set here as hard rlimits before
# the candidate's code is compiled, so it cannot raise them; wall clock and output size are enforced
# by the parent, which also kills the whole process group.
import os
import sys

_MAX_MESSAGE = 300
_out = 1  # the result channel; moved to a private fd once stdin is read
_started = []  # non-empty once candidate code (compile included) has begun
_err = 2  # stderr for the harness's own failures, kept until candidate code begins


def _msg(text):
    text = " ".join(str(text).split())
    return text[:_MAX_MESSAGE]


def _describe(exc):
    text = str(exc)
    return _msg(type(exc).__name__ + (": " + text if text else ""))


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _limit(resource, which, soft, hard=None):
    if soft is None or soft <= 0:
        return
    try:
        resource.setrlimit(which, (soft, soft if hard is None else hard))
    except (ValueError, OSError):
        pass


_CLASS_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDFGHIJKLMNOPQRSTUVWXYZ"


def _class_text(v):
    # Exact scoring: .item() unwrapped (numpy scalars), then str(); compared with a class's text as is.
    item = getattr(v, "item", None)
    if item is not None and callable(item):
        v = item()
    s = str(v)
    # A __str__ may return a str subclass (its own __eq__/__hash__): compare its plain text.
    return s if type(s) is str else str.__str__(s)


def _to01(v):
    # REFERENCE.md: .item() unwrapped; bool as is; int nonzero; str rules; anything else truthiness.
    item = getattr(v, "item", None)
    if item is not None and callable(item):
        v = item()
    if isinstance(v, bool):
        return 1 if v else 0
    if isinstance(v, int):
        return 0 if v == 0 else 1
    if isinstance(v, str):
        s = v.strip().strip("'\"").strip()
        if s == "0":
            return 0
        if s == "1":
            return 1
        low = s.lower()
        if low == "true":
            return 1
        if low == "false":
            return 0
        try:
            return 0 if int(float(s)) == 0 else 1
        except (ValueError, OverflowError):
            return 1 if s else 0
    return 1 if v else 0


def _top_level_functions(code):
    # Function code objects in a module's constants are its top-level defs, in source order
    # (no `ast` import: it costs several milliseconds of startup).
    names = []
    for const in code.co_consts:
        # CO_NEWLOCALS (0x2) marks a function body; a class body has no such flag.
        if type(const) is type(code) and const.co_flags & 0x2 and not const.co_name.startswith("<"):
            if const.co_name not in names:
                names.append(const.co_name)
    return names


def main():
    data = sys.stdin.buffer.read()
    newline = data.index(b"\n")
    header = dict(part.split("=", 1) for part in data[:newline].decode().split()[1:])
    offset = newline + 1
    paths = []
    for _ in range(int(header["paths"])):
        end = data.index(b"\n", offset)
        paths.append(data[offset:end].decode())
        offset = end + 1
    code_len = int(header["code"])
    source = data[offset : offset + code_len].decode("utf-8", "replace")
    n = int(header["n"])
    splits = [int(k) for k in header["splits"].split(",") if k]
    offset += code_len
    classes = {}
    if "classes" in header:
        end = data.index(b"\n", offset)
        at = end + 1
        for i, k in enumerate(int(k) for k in data[offset:end].split(b",")):
            classes[data[at : at + k].decode("utf-8")] = _CLASS_CHARS[i].encode()
            at += k
        offset = at
    inputs = []
    if n > 0:
        end = data.index(b"\n", offset)
        lengths = [int(k) for k in data[offset:end].split(b",")]
        at = end + 1
        for k in lengths:
            inputs.append(data[at : at + k].decode("utf-8"))
            at += k
        if at != len(data):
            raise ValueError("harness received %d bytes of inputs, expected %d" % (len(data) - end - 1, at - end - 1))
    del data

    # Move the result channel away from fd 1, then point 0/1/2 at /dev/null for the candidate.
    global _out, _err
    out = _out = os.dup(1)
    _err = os.dup(2)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    null = open(os.devnull, "w")
    sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = null
    sys.stdin = sys.__stdin__ = open(os.devnull)

    def fail(kind, message, after_predictions=False):
        prefix = "\n" if after_predictions else ""
        _write_all(out, (prefix + "X " + kind + " " + _msg(message) + "\n").encode())
        os._exit(0)

    if len(inputs) != n or sum(splits) != n:
        raise ValueError("harness received %d inputs, expected %d in splits %s" % (len(inputs), n, splits))
    sys.path[:] = paths

    import resource
    import signal

    cpu = int(header["cpu"])
    cpu_hard = cpu * max(1, len(splits)) + 1
    _limit(resource, resource.RLIMIT_CPU, cpu, cpu_hard)
    _limit(resource, resource.RLIMIT_AS, int(header["as"]))
    _limit(resource, resource.RLIMIT_NOFILE, int(header["nofile"]))
    _limit(resource, resource.RLIMIT_FSIZE, int(header["fsize"]))
    _limit(resource, resource.RLIMIT_NPROC, int(header["nproc"]))
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    # A write past RLIMIT_FSIZE raises OSError in the candidate instead of killing the child.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    # At the soft CPU limit, say so on the result channel (a launcher may not pass the signal on);
    # a candidate that blocks this handler meets SIGKILL at the hard limit one second later.
    predicting = []

    def on_cpu_limit(signum, frame):
        fail("timeout", "CPU time limit of %s s exceeded" % cpu, bool(predicting))

    signal.signal(signal.SIGXCPU, on_cpu_limit)

    os.close(_err)
    _started.append(True)
    try:
        code = compile(source, "<candidate>", "exec", dont_inherit=True)
    except SyntaxError as e:
        where = "line %s: " % e.lineno if e.lineno else ""
        fail("syntax_error", where + _describe(e))
    except MemoryError as e:
        fail("memory_limit", "MemoryError while compiling " + _describe(e))
    except RecursionError as e:
        fail("syntax_error", "too deeply nested to compile: " + _describe(e))
    except (ValueError, TypeError) as e:
        fail("syntax_error", _describe(e))

    # Run the module as Python runs a module: one globals dict, so module-level imports are visible.
    module = type(sys)("candidate")
    module.__file__ = "<candidate>"
    sys.modules["candidate"] = module
    try:
        exec(code, module.__dict__)
    except MemoryError as e:
        fail("memory_limit", "MemoryError while running the module " + _describe(e))
    except ImportError as e:
        fail("import_error", _describe(e))
    except (SystemExit, KeyboardInterrupt) as e:
        fail("crashed", _describe(e) + " raised while running the module")
    except BaseException as e:
        fail("module_error", _describe(e))

    names = _top_level_functions(code)
    if not names:
        fail("no_function", "no top-level function is defined")
    name = "f" if "f" in names else names[0]
    fn = module.__dict__.get(name)
    if not callable(fn):
        fail("no_function", "%s is not callable after running the module" % name)

    _write_all(out, ("L " + name + "\n").encode())
    predicting.append(True)
    exceptions = 0
    first = ""
    to01 = _to01
    class_text = _class_text
    unknown = b"?"
    write = os.write
    usage = resource.getrusage
    ends = []
    total = 0
    for k in splits:
        total += k
        ends.append(total)
    split = 0
    for i, x in enumerate(inputs):
        while split < len(ends) and i == ends[split]:
            split += 1
            # A new split: its own CPU allowance from here (the hard limit caps the total).
            ru = usage(resource.RUSAGE_SELF)
            _limit(resource, resource.RLIMIT_CPU, min(cpu_hard, int(ru.ru_utime + ru.ru_stime) + 1 + cpu), cpu_hard)
        try:
            if classes:
                answer = classes.get(class_text(fn(x)), unknown)
            else:
                answer = b"1" if to01(fn(x)) else b"0"
        except MemoryError as e:
            fail("memory_limit", _describe(e) + " raised by " + name, True)
        except Exception as e:
            answer = b"E"
            exceptions += 1
            if not first:
                first = _describe(e)
        except BaseException as e:
            fail("crashed", _describe(e) + " raised by " + name, True)
        write(out, answer)
    _write_all(out, ("\nD %d %s\n" % (exceptions, first)).encode())
    # Skip atexit handlers and finalizers the candidate may have registered.
    os._exit(0)


try:
    main()
except BaseException as exc:
    # Before candidate code ran, a failure is the harness's own (or a bad request): say so on stderr
    # and let the parent call it a sandbox error. After, the candidate may have caused it.
    try:
        if _started:
            os.write(_out, ("\nX crashed the harness failed after the candidate ran: " + _describe(exc) + "\n").encode())
        else:
            os.write(_err, ("harness: " + _describe(exc) + "\n").encode())
    finally:
        os._exit(3)
