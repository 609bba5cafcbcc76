/** The few pieces of the WebAssembly binary format the generated kernels need (no build step, no dependency). */

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

export function name(s: string): number[] {
  return [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
}

/** Byte runs joined into one Uint8Array (typed-array copies: the kernels' code runs to tens of KB). */
export function concat(parts: readonly ArrayLike<number>[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * One entry of the code section: its size, its local declarations (groups of [count, value type]), the
 * code, and the closing `end`.
 */
export function functionBody(
  locals: readonly (readonly [number, number])[],
  code: readonly number[],
): Uint8Array {
  const header = [locals.length, ...locals.flatMap(([count, type]) => [...uleb(count), type])];
  const size = header.length + code.length + 1;
  return concat([uleb(size), header, code, [0x0b]]);
}

/** A module: the magic and version, then each [section id, content] with its size. */
export function wasmModule(sections: readonly (readonly [number, ArrayLike<number>])[]): Uint8Array {
  return concat([
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...sections.flatMap(([id, content]) => [[id, ...uleb(content.length)], content]),
  ]);
}
