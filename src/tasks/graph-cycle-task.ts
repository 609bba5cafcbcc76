import type { RandomSource } from "../core/random.js";
import { StallGuard } from "./sampling.js";
import type { SampledPool, Task } from "./task.js";

/** Characters an edge takes: "u", two digits, "v", two digits. */
export const EDGE_CHARS = 6;
/** The fewest edges for which the authors' generator can draw both classes (see checkLength). */
const MIN_EDGES = 6;

const EDGE = /u(\d{2})v(\d{2})/g;

/**
 * fn_aa: read the input as edges u<a>v<b> (two-digit vertex ids; u00v00 is padding and skipped), E edges
 * over V vertices in C connected components (undirected); 1 iff the cycle rank E - V + C exceeds
 * max(1, floor(E/6)). No edge: 0. (DLFundamentals/LLM_PV, src/target_functions.py, graph_has_cycle.)
 */
export function graphHasCycle(x: string): 0 | 1 {
  const parent = new Map<number, number>();
  const find = (v: number): number => {
    let r = v;
    while (parent.get(r) !== r) r = parent.get(r) as number;
    while (v !== r) {
      const next = parent.get(v) as number;
      parent.set(v, r);
      v = next;
    }
    return r;
  };
  let edges = 0;
  let components = 0;
  for (const m of x.matchAll(EDGE)) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a === 0 && b === 0) continue;
    edges++;
    for (const v of [a, b]) {
      if (!parent.has(v)) {
        parent.set(v, v);
        components++;
      }
    }
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) {
      parent.set(ra, rb);
      components--;
    }
  }
  if (edges === 0) return 0;
  const rank = edges - parent.size + components;
  return rank > Math.max(1, Math.floor(edges / 6)) ? 1 : 0;
}

type Edge = readonly [number, number];
const key = (u: number, v: number): string => (u < v ? `${u},${v}` : `${v},${u}`);

/** Two distinct items, in draw order (Python's random.sample(items, 2)). */
function pickTwo(rng: RandomSource, items: readonly number[]): [number, number] {
  const i = rng.int(items.length);
  let j = rng.int(items.length - 1);
  if (j >= i) j++;
  return [items[i] as number, items[j] as number];
}

/**
 * The "high cycle" family: triangles on vertices 0, 1, 2, then 3, 4, 5, ... while three edges remain and
 * three vertices are left; then the unused vertices paired off as single edges; then random edges among
 * the triangles' vertices until E (at most 10E tries). The authors also draw an unused component target.
 */
function highCycleGraph(rng: RandomSource, e: number): Edge[] {
  rng.int(Math.max(3, Math.floor(e / 8)) - 1); // the authors' target_components: drawn, never used
  const edges: Edge[] = [];
  const seen = new Set<string>();
  let used = 0;
  let remaining = e;
  while (remaining >= 3 && used + 2 < e) {
    const c = [used, used + 1, used + 2];
    for (let i = 0; i < 3; i++) {
      const u = c[i] as number;
      const v = c[(i + 1) % 3] as number;
      if (!seen.has(key(u, v))) {
        edges.push([u, v]);
        seen.add(key(u, v));
        remaining--;
      }
    }
    used += 3;
    if (edges.length >= e) break;
  }
  const unused = Array.from({ length: e - used }, (_, i) => used + i);
  while (remaining > 0 && unused.length >= 2) {
    const u = unused.pop() as number;
    const v = unused.pop() as number;
    edges.push([u, v]);
    seen.add(key(u, v));
    remaining--;
  }
  const pool = used > 1 ? Array.from({ length: used }, (_, i) => i) : Array.from({ length: e }, (_, i) => i);
  for (let tries = 0; edges.length < e && tries < e * 10; tries++) {
    const [u, v] = pickTwo(rng, pool);
    if (!seen.has(key(u, v))) {
      edges.push([u, v]);
      seen.add(key(u, v));
    }
  }
  return edges.slice(0, e);
}

/** The "low cycle" family: a random spanning tree of E vertices (random recursive tree), then random new edges up to E. */
function lowCycleGraph(rng: RandomSource, e: number): Edge[] {
  const vertices = rng.shuffle(Array.from({ length: e }, (_, i) => i));
  const edges: Edge[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < e; i++) {
    const parent = vertices[rng.int(i)] as number;
    const child = vertices[i] as number;
    edges.push([parent, child]);
    seen.add(key(parent, child));
  }
  for (let tries = 0; edges.length < e && tries < e * 10; tries++) {
    const [u, v] = pickTwo(rng, vertices);
    if (!seen.has(key(u, v))) {
      edges.push([u, v]);
      seen.add(key(u, v));
    }
  }
  return edges.slice(0, e);
}

/** Cycle rank E - V + C of an edge list (vertices: those on an edge). */
function cycleRank(edges: readonly Edge[]): number {
  const parent = new Map<number, number>();
  const find = (v: number): number => {
    while (parent.get(v) !== v) v = parent.get(v) as number;
    return v;
  };
  let components = 0;
  for (const [a, b] of edges) {
    for (const v of [a, b]) {
      if (!parent.has(v)) {
        parent.set(v, v);
        components++;
      }
    }
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) {
      parent.set(ra, rb);
      components--;
    }
  }
  return edges.length - parent.size + components;
}

const two = (n: number): string => String(n).padStart(2, "0");

/**
 * The string: vertex ids replaced by distinct uniform ids from 1..99 (in the order of the sorted old ids),
 * each edge written u<a>v<b> or u<b>v<a> with probability 1/2, edges shuffled, padded with u00v00 to E.
 */
function formatGraph(rng: RandomSource, edges: readonly Edge[], e: number): string {
  const vertices = [...new Set(edges.flat())].sort((a, b) => a - b);
  const ids = rng.shuffle(Array.from({ length: 99 }, (_, i) => i + 1)).slice(0, vertices.length);
  const id = new Map(vertices.map((v, i) => [v, ids[i] as number]));
  const parts = edges.map(([u, v]) => {
    const a = id.get(u) as number;
    const b = id.get(v) as number;
    return rng.float() > 0.5 ? `u${two(a)}v${two(b)}` : `u${two(b)}v${two(a)}`;
  });
  rng.shuffle(parts);
  while (parts.length < e) parts.push("u00v00");
  return parts.slice(0, e).join("");
}

/**
 * fn_aa graph_has_cycle, as the authors' later runner draws it (DLFundamentals/LLM_PV, src/data_handler.py,
 * CycleDetectionDataGenerator; docs/datasets.md): E = L/6 edges over V = E vertices, threshold max(1,
 * floor(E/6)); positives from the high-cycle family (cycle rank > threshold), negatives from the low-cycle
 * family (a spanning tree plus one edge: rank 1); a draw is kept when its rank is on the right side of the
 * threshold and its label agrees, and its string is new (across both classes). Here L is the string's
 * length, a multiple of 6: the authors' L=50 and L=100 write 48- and 96-character strings.
 */
export const fnAa: Task = {
  id: "fn_aa",
  name: "graph_has_cycle",
  decimal: false,
  alphabet: {
    pattern: /^(u[0-9]{2}v[0-9]{2})+$/,
    name: "edge list",
    prompt: "edge lists: 6 characters an edge, 'u', two digits, 'v', two digits",
  },
  paperLengths: [96, 48],
  inDefaultGrid: false,
  checkLength: (length) =>
    Number.isInteger(length) && length % EDGE_CHARS === 0 && length / EDGE_CHARS >= MIN_EDGES
      ? null
      : `graph_has_cycle needs a multiple of 6 (6 characters an edge) and at least ${MIN_EDGES * EDGE_CHARS} ` +
        "(below 6 edges the authors' generator never draws a graph of cycle rank above the threshold)",
  label: graphHasCycle,
  async sample(rng: RandomSource, length, positives, negatives): Promise<SampledPool> {
    const e = length / EDGE_CHARS;
    const threshold = Math.max(1, Math.floor(e / 6));
    const seen = new Set<string>();
    const pos: string[] = [];
    const neg: string[] = [];
    const guard = new StallGuard("fn_aa", length, "graphs", positives + negatives);
    while (pos.length < positives || neg.length < negatives) {
      let progress = false;
      if (pos.length < positives) {
        const edges = highCycleGraph(rng, e);
        if (cycleRank(edges) > threshold) {
          const x = formatGraph(rng, edges, e);
          if (!seen.has(x) && graphHasCycle(x) === 1) {
            seen.add(x);
            pos.push(x);
            progress = true;
          }
        }
      }
      if (neg.length < negatives) {
        const edges = lowCycleGraph(rng, e);
        if (cycleRank(edges) <= threshold) {
          const x = formatGraph(rng, edges, e);
          if (!seen.has(x) && graphHasCycle(x) === 0) {
            seen.add(x);
            neg.push(x);
            progress = true;
          }
        }
      }
      if (progress) guard.hit();
      else guard.miss(pos.length + neg.length);
    }
    return { positives: pos, negatives: neg };
  },
};
