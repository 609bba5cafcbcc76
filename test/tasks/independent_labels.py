"""Independent labels for the built-in tasks (test oracle). Reads 'fn_x<TAB>input' lines on stdin, prints labels."""
import hashlib
import json
import os
import sys

IDX = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "data", "parity_rand_idx.json")))


def is_prime(n):
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97):
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def dyck(x):
    sym = {"00": "(", "01": ")", "10": "[", "11": "]"}
    stack = []
    for i in range(0, len(x), 2):
        c = sym[x[i : i + 2]]
        if c in "([":
            stack.append(c)
        elif not stack or stack.pop() != {")": "(", "]": "["}[c]:
            return 0
    return int(not stack)


def rule30(x):
    p = "0" + x + "0"
    table = [0, 1, 1, 1, 1, 0, 0, 0]
    return sum(table[int(p[i - 1 : i + 2], 2)] for i in range(1, len(p) - 1)) % 2


def graph_cycle(x):
    # edges by slicing 6 characters at a time (the task's regex scan finds the same on well-formed input);
    # components by depth-first search, not union-find
    edges = []
    for i in range(0, len(x) - 5, 6):
        chunk = x[i : i + 6]
        if chunk[0] == "u" and chunk[3] == "v" and chunk[1:3].isdigit() and chunk[4:6].isdigit():
            a, b = int(chunk[1:3]), int(chunk[4:6])
            if (a, b) != (0, 0):
                edges.append((a, b))
    if not edges:
        return 0
    adj = {}
    for a, b in edges:
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)
    seen, components = set(), 0
    for v in adj:
        if v in seen:
            continue
        components += 1
        todo = [v]
        while todo:
            w = todo.pop()
            if w not in seen:
                seen.add(w)
                todo.extend(adj[w] - seen)
    rank = len(edges) - len(adj) + components
    return int(rank > max(1, len(edges) // 6))


LABEL = {
    "fn_a": lambda x: x.count("1") % 2,
    "fn_b": lambda x: x[: len(x) // 2].count("1") % 2,
    "fn_c": lambda x: int("10101010" in x),
    "fn_d": lambda x: int("00111111" in x),
    "fn_e": lambda x: sum(int(x[i]) for i in IDX[str(len(x))]["3"]) % 2,
    "fn_f": lambda x: sum(int(x[i]) for i in IDX[str(len(x))]["10"]) % 2,
    "fn_g": lambda x: int(x == x[::-1]),
    "fn_h": dyck,
    "fn_i": lambda x: int(is_prime(int(x))),
    "fn_j": rule30,
    "fn_k": lambda x: int(is_prime(int(x))),
    "fn_v": lambda x: int(int(x) - 47 >= 2 and is_prime(int(x) - 47)),
    "fn_aa": graph_cycle,
    "fn_l": lambda x: bin(int.from_bytes(hashlib.sha256(x.encode("ascii")).digest(), "big")).count("1") % 2,
}

for line in sys.stdin:
    fn, x = line.rstrip("\n").split("\t")
    print(LABEL[fn](x))
