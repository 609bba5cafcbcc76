/**
 * Big-integer primality for fn_i / fn_k: BPSW (a strong probable-prime test to base 2 plus a strong
 * Lucas probable-prime test with Selfridge's parameters), after trial division by small primes.
 * BPSW has no known counterexample and is proven correct below 2^64 (the same test sympy's isprime uses
 * above 2^64, which is what labelled the paper's data). nextPrime sieves a window of odd candidates with
 * the small primes and runs the expensive tests only on survivors.
 *
 * Invariant: the reference for everything in this folder: every kernel and the engine must answer as
 * isProbablePrime / nextPrime here do (the tests compare them), and these stay free of any kernel.
 */

/** Primes below this bound are used for trial division and sieving. */
const SIEVE_BOUND = 1 << 13;

function smallPrimesBelow(bound: number): number[] {
  const composite = new Uint8Array(bound);
  const primes: number[] = [];
  for (let i = 2; i < bound; i++) {
    if (composite[i]) continue;
    primes.push(i);
    for (let j = i * i; j < bound; j += i) composite[j] = 1;
  }
  return primes;
}

const SMALL_PRIMES = smallPrimesBelow(SIEVE_BOUND);
const ODD_SMALL_PRIMES = SMALL_PRIMES.slice(1);
const SMALL_LIMIT = BigInt(SIEVE_BOUND) * BigInt(SIEVE_BOUND);

/** Odd small primes grouped so that each group's product is below 2^53: one BigInt `%` per group. */
const GROUPS: { product: bigint; primes: number[] }[] = (() => {
  const groups: { product: bigint; primes: number[] }[] = [];
  let current: number[] = [];
  let product = 1;
  for (const p of ODD_SMALL_PRIMES) {
    if (product * p > Number.MAX_SAFE_INTEGER) {
      groups.push({ product: BigInt(product), primes: current });
      current = [];
      product = 1;
    }
    current.push(p);
    product *= p;
  }
  if (current.length > 0) groups.push({ product: BigInt(product), primes: current });
  return groups;
})();

/** base^exp mod m with a fixed 4-bit window (m > 1). */
function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  base %= m;
  if (base < 0n) base += m;
  const table: bigint[] = [1n];
  for (let i = 1; i < 16; i++) table.push(((table[i - 1] as bigint) * base) % m);
  let result = 1n;
  const bits = exp.toString(2).length;
  for (let shift = Math.ceil(bits / 4) * 4 - 4; shift >= 0; shift -= 4) {
    result = (result * result) % m;
    result = (result * result) % m;
    result = (result * result) % m;
    result = (result * result) % m;
    const digit = Number((exp >> BigInt(shift)) & 15n);
    if (digit !== 0) result = (result * (table[digit] as bigint)) % m;
  }
  return result;
}

/** Strong (Miller-Rabin) probable-prime test of odd n > 3 to base a. */
export function isStrongProbablePrime(n: bigint, a: bigint): boolean {
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  let x = modPow(a, d, n);
  if (x === 1n || x === n - 1n) return true;
  for (let r = 1; r < s; r++) {
    x = (x * x) % n;
    if (x === n - 1n) return true;
    if (x === 1n) return false;
  }
  return false;
}

/** Jacobi symbol (a/n) for odd n > 0. */
export function jacobi(a: bigint, n: bigint): -1 | 0 | 1 {
  a %= n;
  if (a < 0n) a += n;
  let result: -1 | 1 = 1;
  while (a !== 0n) {
    while ((a & 1n) === 0n) {
      a >>= 1n;
      const r = n & 7n;
      if (r === 3n || r === 5n) result = result === 1 ? -1 : 1;
    }
    [a, n] = [n, a];
    if ((a & 3n) === 3n && (n & 3n) === 3n) result = result === 1 ? -1 : 1;
    a %= n;
  }
  return n === 1n ? result : 0;
}

/** floor(sqrt(n)) for n >= 0. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  // a float estimate where a double holds n; past ~2^1024 (Number(n) is Infinity), 2^ceil(bits / 2)
  const f = Math.sqrt(Number(n));
  let x = Number.isFinite(f) ? BigInt(Math.floor(f)) : 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  // Newton steps from the float estimate; converges in a few iterations.
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x && x * x <= n && (x + 1n) * (x + 1n) > n) return x;
    x = y;
  }
}

/** Strong Lucas probable-prime test (Selfridge method A: P = 1, Q = (1 - D) / 4) of odd n > 3, not a square. */
export function isStrongLucasProbablePrime(n: bigint): boolean {
  let D = 5n;
  for (;;) {
    const j = jacobi(D, n);
    if (j === -1) break;
    if (j === 0 && (D < 0n ? -D : D) !== n) return false;
    D = D > 0n ? -(D + 2n) : -D + 2n;
  }
  const Q = (1n - D) / 4n;
  const mod = (v: bigint): bigint => {
    const r = v % n;
    return r < 0n ? r + n : r;
  };
  const half = (v: bigint): bigint => ((v & 1n) === 1n ? (v + n) >> 1n : v >> 1n);
  let d = n + 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  // Left-to-right binary ladder over d for U_k, V_k, Q^k (P = 1).
  let U = 1n;
  let V = 1n;
  let Qk = mod(Q);
  const bits = d.toString(2);
  const Dm = mod(D);
  for (let i = 1; i < bits.length; i++) {
    U = (U * V) % n;
    V = mod(V * V - 2n * Qk);
    Qk = (Qk * Qk) % n;
    if (bits[i] === "1") {
      const U1 = half(mod(U + V));
      const V1 = half(mod(Dm * U + V));
      U = U1;
      V = V1;
      Qk = mod(Qk * Q);
    }
  }
  if (U === 0n || V === 0n) return true;
  for (let r = 1; r < s; r++) {
    V = mod(V * V - 2n * Qk);
    if (V === 0n) return true;
    Qk = (Qk * Qk) % n;
  }
  return false;
}

function hasSmallFactor(n: bigint): boolean {
  for (const g of GROUPS) {
    const r = Number(n % g.product);
    for (const p of g.primes) if (r % p === 0) return true;
  }
  return false;
}

/** BPSW after trial division: exact below SIEVE_BOUND^2, no known counterexample above. */
export function isProbablePrime(n: bigint): boolean {
  if (n < 2n) return false;
  if (n < 4n) return true;
  if ((n & 1n) === 0n) return false;
  if (n < BigInt(SIEVE_BOUND)) return !hasSmallFactorNumber(Number(n));
  if (hasSmallFactor(n)) return false;
  if (n < SMALL_LIMIT) return true;
  return passesBpsw(n);
}

function hasSmallFactorNumber(n: number): boolean {
  for (const p of ODD_SMALL_PRIMES) {
    if (p * p > n) return false;
    if (n % p === 0) return true;
  }
  return false;
}

/** Is n >= 0 a perfect square? */
export function isSquare(n: bigint): boolean {
  const r = isqrt(n);
  return r * r === n;
}

/** BPSW on an odd n with no small factor. */
function passesBpsw(n: bigint): boolean {
  if (!isStrongProbablePrime(n, 2n)) return false;
  if (isSquare(n)) return false;
  return isStrongLucasProbablePrime(n);
}

const WINDOW = 512;

/** The smallest prime strictly greater than n (sympy's nextprime). */
export function nextPrime(n: bigint): bigint {
  if (n < 2n) return 2n;
  if (n < SMALL_LIMIT) {
    let c = n + 1n;
    while (!isProbablePrime(c)) c++;
    return c;
  }
  let start = n + 1n;
  if ((start & 1n) === 0n) start++;
  const marks = new Uint8Array(WINDOW);
  for (;;) {
    // Candidate i is start + 2i. It is divisible by p iff i == (p - start mod p) * (p + 1) / 2 (mod p).
    marks.fill(0);
    for (const g of GROUPS) {
      const r = Number(start % g.product);
      for (const p of g.primes) {
        const rp = r % p;
        let i = ((p - rp) * ((p + 1) / 2)) % p;
        for (; i < WINDOW; i += p) marks[i] = 1;
      }
    }
    for (let i = 0; i < WINDOW; i++) {
      if (marks[i]) continue;
      const c = start + BigInt(2 * i);
      if (passesBpsw(c)) return c;
    }
    start += BigInt(2 * WINDOW);
  }
}
