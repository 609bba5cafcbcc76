/**
 * A growable store of fixed-width int32 behaviour vectors with an open-addressing hash set over them:
 * one entry per distinct behaviour (observational equivalence). Each entry also records how it was
 * built (op code, two operand ids, one parameter) and its size.
 */
export class VectorTable {
  readonly width: number;
  /** Candidate vector: fill it, then call insert(). */
  readonly scratch: Int32Array;
  count = 0;
  data: Int32Array;
  op: Uint8Array;
  a: Int32Array;
  b: Int32Array;
  p: Float64Array;
  size: Uint8Array;
  private table: Int32Array;
  private mask: number;
  private cap: number;

  constructor(width: number, initialCapacity = 1024) {
    this.width = Math.max(1, width);
    this.scratch = new Int32Array(this.width);
    this.cap = initialCapacity;
    this.data = new Int32Array(this.cap * this.width);
    this.op = new Uint8Array(this.cap);
    this.a = new Int32Array(this.cap);
    this.b = new Int32Array(this.cap);
    this.p = new Float64Array(this.cap);
    this.size = new Uint8Array(this.cap);
    this.table = new Int32Array(this.cap * 2);
    this.mask = this.cap * 2 - 1;
  }

  /** A view of entry id's vector (no copy). */
  vector(id: number): Int32Array {
    return this.data.subarray(id * this.width, (id + 1) * this.width);
  }

  /** Adds the scratch vector if its behaviour is new; returns its id, or ~id of the equal entry. */
  insert(size: number, op: number, a: number, b: number, p: number): number {
    const w = this.width;
    const s = this.scratch;
    const h = hashVector(s, w);
    let slot = h & this.mask;
    const data = this.data;
    for (;;) {
      const e = this.table[slot]!;
      if (e === 0) break;
      const base = (e - 1) * w;
      let same = true;
      for (let i = 0; i < w; i++) {
        if (data[base + i] !== s[i]) {
          same = false;
          break;
        }
      }
      if (same) return ~(e - 1);
      slot = (slot + 1) & this.mask;
    }
    if (this.count === this.cap) {
      this.grow();
      return this.insert(size, op, a, b, p);
    }
    const id = this.count++;
    this.data.set(s, id * w);
    this.op[id] = op;
    this.a[id] = a;
    this.b[id] = b;
    this.p[id] = p;
    this.size[id] = size;
    this.table[slot] = id + 1;
    return id;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const w = this.width;
    const data = new Int32Array(cap * w);
    data.set(this.data);
    this.data = data;
    this.op = extend(this.op, new Uint8Array(cap));
    this.a = extend(this.a, new Int32Array(cap));
    this.b = extend(this.b, new Int32Array(cap));
    this.p = extend(this.p, new Float64Array(cap));
    this.size = extend(this.size, new Uint8Array(cap));
    this.cap = cap;
    this.table = new Int32Array(cap * 2);
    this.mask = cap * 2 - 1;
    for (let id = 0; id < this.count; id++) {
      let slot = hashVector(this.data.subarray(id * w, (id + 1) * w), w) & this.mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
      this.table[slot] = id + 1;
    }
  }
}

function extend<T extends Uint8Array | Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** MurmurHash3-style mixing of int32 words. */
export function hashVector(v: Int32Array, w: number): number {
  let h = 0x9747b28c;
  for (let i = 0; i < w; i++) {
    let k = Math.imul(v[i]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= w;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
