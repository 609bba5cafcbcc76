/** Candidate programs the loopback model serves, as the model would answer: `{"code": "..."}`. */
export const answer = (code: string): string => JSON.stringify({ code });

export const PROGRAMS = {
  /** fn_a: parity of all bits. */
  parity: "def f(x):\n    return x.count('1') % 2\n",
  /** fn_b: parity of the first half. */
  parityFirstHalf: "def f(x):\n    return x[: len(x) // 2].count('1') % 2\n",
  /** Wrong for everything balanced: always 0 (accuracy 0.5). */
  constantZero: "def f(x):\n    return 0\n",
  /** Right on about 3/4 of parity examples? No: a weak rule, first bit. */
  firstBit: "def f(x):\n    return int(x[0])\n",
  /** Hostile: never halts. */
  loopForever: "def f(x):\n    while True:\n        pass\n",
  /** Hostile: tries to read the labels from disk. */
  readLabels:
    "import glob\ndef f(x):\n    for p in glob.glob('**/val.txt', recursive=True):\n        for line in open(p):\n            if line.startswith(x):\n                return int(line.strip()[-1])\n    return 0\n",
  syntaxError: "def f(x) return 1\n",
} as const;

/** Training lines `<input> -> <label>` of a paper prompt. */
export function trainingLines(prompt: string): { x: string; y: number }[] {
  return [...prompt.matchAll(/^([0-9]+) -> ([01])$/gm)].map((m) => ({ x: m[1]!, y: Number(m[2]) }));
}

const parity = (s: string) => [...s].filter((c) => c === "1").length % 2;
/** Picks the first program consistent with the prompt's training lines (a model that "knows" fn_a / fn_b). */
export function oracleProgram(prompt: string): string | undefined {
  const lines = trainingLines(prompt);
  if (lines.length === 0) return undefined;
  if (lines.every((l) => parity(l.x) === l.y)) return PROGRAMS.parity;
  if (lines.every((l) => parity(l.x.slice(0, Math.floor(l.x.length / 2))) === l.y))
    return PROGRAMS.parityFirstHalf;
  return undefined;
}
