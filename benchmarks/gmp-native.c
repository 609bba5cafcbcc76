/*
 * A yardstick outside the project: native GMP (the system's libgmp, e.g. Debian's 6.2) on the same
 * machine. Prints µs per mpz_nextprime at 20..100 digits (GMP's own sieve + BPSW, the Python runner's
 * gmpy2 path) and per base-2 modular exponentiation (mpz_powm) at 100 digits, the unit of the next-prime
 * search. Not part of the build or the tests; needs a C compiler and libgmp-dev:
 *   gcc -O2 benchmarks/gmp-native.c -lgmp -o /tmp/gmp-native && /tmp/gmp-native
 */
#include <gmp.h>
#include <stdio.h>
#include <time.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(void) {
  gmp_randstate_t st;
  gmp_randinit_default(st);
  gmp_randseed_ui(st, 7);
  mpz_t lo, span, x, p, two, e;
  mpz_inits(lo, span, x, p, two, e, NULL);
  mpz_set_ui(two, 2);
  const int digits[] = {20, 25, 30, 50, 100};
  printf("| native GMP (CPU µs) | 20 digits | 25 digits | 30 digits | 50 digits | 100 digits |\n");
  printf("|---|---:|---:|---:|---:|---:|\n| mpz_nextprime |");
  for (int d = 0; d < 5; d++) {
    mpz_ui_pow_ui(lo, 10, digits[d] - 1);
    mpz_mul_ui(span, lo, 9);
    const int n = digits[d] >= 100 ? 2000 : 10000;
    double t0 = now_us();
    for (int i = 0; i < n; i++) {
      mpz_urandomm(x, st, span);
      mpz_add(x, x, lo);
      mpz_nextprime(p, x);
    }
    printf(" %.1f |", (now_us() - t0) / n);
  }
  printf("\n\nmpz_powm(2, p - 1, p) at 100 digits: ");
  const int n = 5000;
  double t0 = now_us();
  for (int i = 0; i < n; i++) {
    mpz_sub_ui(e, p, 1);
    mpz_powm(x, two, e, p);
    mpz_add_ui(p, p, 2);
  }
  printf("%.2f µs\n", (now_us() - t0) / n);
  return 0;
}
