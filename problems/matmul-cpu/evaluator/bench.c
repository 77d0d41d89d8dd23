/* Harness for the matmul-cpu problem: checks and times the candidate's matmul() (read-only to candidates).
 *
 * usage: bench ITEM...    where ITEM is one of
 *   check N M K SEED           one call on fresh random inputs, every element compared with a
 *                              double-precision reference computed after the call returns
 *   time N M K SEED SAMPLES    one warm-up call, then SAMPLES timed calls; before each call the inputs
 *                              are refilled with fresh random values and C with NaN; every call is
 *                              spot-checked at random positions chosen before it
 * Each item prints one JSON line on the original stdout, preceded by a {"event":"start",...} line so
 * that a crash can be attributed to its shape. The kernel's own stdout goes to stderr, so it cannot
 * forge result lines by printing. The exit status is 0 even when a check fails (failures are data).
 *
 * A element (i, p) is A[i*k + p], B (p, j) is B[p*m + j], C (i, j) is C[i*m + j]. Buffers are
 * 64-byte aligned and surrounded by guard zones that must stay untouched.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void matmul(int n, int m, int k, const float *A, const float *B, float *C);

#define GUARD 16 /* floats on each side of every buffer (64 bytes) */
#define GUARD_BITS 0x7fc0deadu
#define SPOTS 16
/* Error bound: any float summation order of k products stays within ~k*eps/2 * sum|a*b| (fused or not);
 * we allow 4x that, plus nothing absolute (inputs are never all zero). */
#define TOL_FACTOR (2.0 * FLT_EPSILON)

static uint64_t rng_state;
static FILE *out; /* the results stream (the original stdout) */

static uint64_t splitmix64(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Uniform in [-1, 1), exactly representable in float. */
static float rand_float(void) { return (float)((double)(splitmix64() >> 40) * 0x1p-23 - 1.0); }

static size_t rand_below(size_t bound) { return (size_t)(splitmix64() % bound); }

typedef struct {
  float *base;
  float *data;
  size_t len;
} buffer;

static buffer buffer_new(size_t len) {
  buffer b;
  size_t bytes = (len + 2 * GUARD) * sizeof(float);
  bytes = (bytes + 63) / 64 * 64;
  b.base = aligned_alloc(64, bytes);
  if (!b.base) {
    fprintf(stderr, "bench: out of memory (%zu bytes)\n", bytes);
    exit(3);
  }
  b.data = b.base + GUARD;
  b.len = len;
  uint32_t g = GUARD_BITS;
  for (size_t x = 0; x < GUARD; x++) {
    memcpy(&b.base[x], &g, sizeof g);
    memcpy(&b.data[len + x], &g, sizeof g);
  }
  return b;
}

static int guards_intact(const buffer *b) {
  uint32_t g = GUARD_BITS;
  for (size_t x = 0; x < GUARD; x++)
    if (memcmp(&b->base[x], &g, sizeof g) || memcmp(&b->data[b->len + x], &g, sizeof g)) return 0;
  return 1;
}

static void fill_random(buffer *b) {
  for (size_t x = 0; x < b->len; x++) b->data[x] = rand_float();
}

static void fill_nan(buffer *b) {
  for (size_t x = 0; x < b->len; x++) b->data[x] = NAN;
}

static uint64_t hash_floats(const float *p, size_t len) {
  uint64_t h = 1469598103934665603ull;
  const unsigned char *c = (const unsigned char *)p;
  for (size_t x = 0; x < len * sizeof(float); x++) h = (h ^ c[x]) * 1099511628211ull;
  return h;
}

static double now(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void print_start(const char *what, int n, int m, int k) {
  fprintf(out, "{\"event\":\"start\",\"what\":\"%s\",\"n\":%d,\"m\":%d,\"k\":%d}\n", what, n, m, k);
  fflush(out);
}

/* Prints the failure JSON (without the closing brace) for a buffer that lost its guards or inputs that changed. */
static int report_tampering(const char *event, int n, int m, int k, const buffer *A, const buffer *B,
                            const buffer *C, uint64_t ha, uint64_t hb) {
  const char *why = NULL;
  if (!guards_intact(C)) why = "wrote outside C (out-of-bounds store)";
  else if (!guards_intact(A) || !guards_intact(B)) why = "wrote outside A or B";
  else if (hash_floats(A->data, A->len) != ha) why = "modified the input A";
  else if (hash_floats(B->data, B->len) != hb) why = "modified the input B";
  if (!why) return 0;
  fprintf(out, "{\"event\":\"%s\",\"n\":%d,\"m\":%d,\"k\":%d,\"ok\":false,\"reason\":\"%s\"}\n", event, n, m,
         k, why);
  fflush(out);
  return 1;
}

static void run_check(int n, int m, int k, uint64_t seed) {
  print_start("check", n, m, k);
  rng_state = seed;
  buffer A = buffer_new((size_t)n * k), B = buffer_new((size_t)k * m), C = buffer_new((size_t)n * m);
  fill_random(&A);
  fill_random(&B);
  fill_nan(&C);
  uint64_t ha = hash_floats(A.data, A.len), hb = hash_floats(B.data, B.len);
  matmul(n, m, k, A.data, B.data, C.data);
  if (report_tampering("check", n, m, k, &A, &B, &C, ha, hb)) return;

  /* Reference in double, computed after the candidate returned. */
  double *ref = calloc((size_t)m, sizeof(double)), *mag = calloc((size_t)m, sizeof(double));
  if (!ref || !mag) exit(3);
  size_t wrong = 0, first = 0;
  double first_got = 0, first_want = 0, first_tol = 0, worst = 0;
  for (int i = 0; i < n; i++) {
    memset(ref, 0, (size_t)m * sizeof(double));
    memset(mag, 0, (size_t)m * sizeof(double));
    for (int p = 0; p < k; p++) {
      const double a = A.data[(size_t)i * k + p];
      const float *brow = &B.data[(size_t)p * m];
      for (int j = 0; j < m; j++) {
        ref[j] += a * brow[j];
        mag[j] += fabs(a * brow[j]);
      }
    }
    for (int j = 0; j < m; j++) {
      const double got = C.data[(size_t)i * m + j];
      const double tol = TOL_FACTOR * k * mag[j];
      const double err = fabs(got - ref[j]);
      if (!(err <= tol)) {
        if (!wrong) {
          first = (size_t)i * m + j;
          first_got = got;
          first_want = ref[j];
          first_tol = tol;
        }
        wrong++;
      } else if (mag[j] > 0 && err / mag[j] > worst) {
        worst = err / mag[j];
      }
    }
  }
  fprintf(out, "{\"event\":\"check\",\"n\":%d,\"m\":%d,\"k\":%d,\"ok\":%s,\"wrong\":%zu,\"total\":%zu", n, m,
         k, wrong ? "false" : "true", wrong, (size_t)n * m);
  if (wrong) {
    fprintf(out, ",\"first\":%zu,\"row\":%zu,\"col\":%zu,\"got\":%s%.9g%s,\"want\":%.9g,\"tol\":%.3g", first,
           first / (size_t)m, first % (size_t)m, isfinite(first_got) ? "" : "\"", first_got,
           isfinite(first_got) ? "" : "\"", first_want, first_tol);
  }
  fprintf(out, ",\"max_rel_err\":%.3g}\n", worst);
  fflush(out);
  free(ref);
  free(mag);
  free(A.base);
  free(B.base);
  free(C.base);
}

/* One call on refilled inputs; returns 0 when the spot checks pass, else prints the failure. */
static int timed_call(int n, int m, int k, buffer *A, buffer *B, buffer *C, double *wall, double *cpu) {
  fill_random(A);
  fill_random(B);
  fill_nan(C);
  size_t spot[SPOTS];
  double want[SPOTS], tol[SPOTS];
  for (int s = 0; s < SPOTS; s++) {
    const size_t i = rand_below((size_t)n), j = rand_below((size_t)m);
    double acc = 0, mag = 0;
    for (int p = 0; p < k; p++) {
      const double prod = (double)A->data[i * k + p] * B->data[(size_t)p * m + j];
      acc += prod;
      mag += fabs(prod);
    }
    spot[s] = i * m + j;
    want[s] = acc;
    tol[s] = TOL_FACTOR * k * mag;
  }
  const uint64_t ha = hash_floats(A->data, A->len), hb = hash_floats(B->data, B->len);
  const double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
  matmul(n, m, k, A->data, B->data, C->data);
  const double c1 = now(CLOCK_PROCESS_CPUTIME_ID), w1 = now(CLOCK_MONOTONIC);
  *wall = w1 - w0;
  *cpu = c1 - c0;
  if (report_tampering("time", n, m, k, A, B, C, ha, hb)) return 1;
  for (int s = 0; s < SPOTS; s++) {
    const double got = C->data[spot[s]];
    if (!(fabs(got - want[s]) <= tol[s])) {
      fprintf(out, "{\"event\":\"time\",\"n\":%d,\"m\":%d,\"k\":%d,\"ok\":false,\"reason\":\"spot check failed "
             "at C[%zu][%zu] (index %zu): got %.9g, want %.9g\"}\n",
             n, m, k, spot[s] / (size_t)m, spot[s] % (size_t)m, spot[s], got, want[s]);
      fflush(out);
      return 1;
    }
  }
  return 0;
}

static void run_time(int n, int m, int k, uint64_t seed, int samples) {
  print_start("time", n, m, k);
  rng_state = seed;
  buffer A = buffer_new((size_t)n * k), B = buffer_new((size_t)k * m), C = buffer_new((size_t)n * m);
  double wall, cpu;
  if (timed_call(n, m, k, &A, &B, &C, &wall, &cpu)) return; /* warm-up */
  double *walls = malloc(sizeof(double) * (size_t)samples), *cpus = malloc(sizeof(double) * (size_t)samples);
  if (!walls || !cpus) exit(3);
  for (int s = 0; s < samples; s++)
    if (timed_call(n, m, k, &A, &B, &C, &walls[s], &cpus[s])) return;
  fprintf(out, "{\"event\":\"time\",\"n\":%d,\"m\":%d,\"k\":%d,\"ok\":true,\"wall\":[", n, m, k);
  for (int s = 0; s < samples; s++) fprintf(out, "%s%.9e", s ? "," : "", walls[s]);
  fprintf(out, "],\"cpu\":[");
  for (int s = 0; s < samples; s++) fprintf(out, "%s%.9e", s ? "," : "", cpus[s]);
  fprintf(out, "]}\n");
  fflush(out);
  free(walls);
  free(cpus);
  free(A.base);
  free(B.base);
  free(C.base);
}

static long arg_long(const char *s, long lo, long hi) {
  char *end;
  const long v = strtol(s, &end, 10);
  if (*end || v < lo || v > hi) {
    fprintf(stderr, "bench: bad argument \"%s\" (expected an integer in [%ld, %ld])\n", s, lo, hi);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  const int fd = dup(STDOUT_FILENO);
  if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0 || !(out = fdopen(fd, "w"))) {
    perror("bench: cannot set up the results stream");
    return 3;
  }
  int a = 1;
  while (a < argc) {
    const int is_check = !strcmp(argv[a], "check"), is_time = !strcmp(argv[a], "time");
    const int need = is_check ? 5 : is_time ? 6 : 0;
    if (!need || a + need > argc) {
      fprintf(stderr, "bench: usage: bench {check N M K SEED | time N M K SEED SAMPLES}...\n");
      return 2;
    }
    const int n = (int)arg_long(argv[a + 1], 1, 8192), m = (int)arg_long(argv[a + 2], 1, 8192),
              k = (int)arg_long(argv[a + 3], 1, 8192);
    const uint64_t seed = strtoull(argv[a + 4], NULL, 10);
    if (is_check) run_check(n, m, k, seed);
    else run_time(n, m, k, seed, (int)arg_long(argv[a + 5], 1, 100000));
    a += need;
  }
  return 0;
}
