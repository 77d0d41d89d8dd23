/* Single-precision matrix multiply, C = A * B, row-major:
 *   A is n x k, B is k x m, C is n x m (all contiguous, leading dimensions k, m, m).
 * The harness compiles this file with `cc -O2` (no -march) and links it against bench.c, which
 * calls matmul() on fresh random inputs, checks the result against a double-precision reference,
 * and times it on one core. C holds garbage (NaN) on entry: matmul must overwrite every element.
 * A and B must not be modified. Only `matmul` is exported; make helpers `static`.
 */
#include <stddef.h>

// EVOLVE-BLOCK-START
/* Schedule knobs (the offline tuner rewrites the value line under each `@knob` comment). */
// @knob TILE_I: [4, 8, 16, 32, 64, 128, 256]
#define TILE_I 256
// @knob TILE_J: [4, 8, 16, 32, 64, 128, 256]
#define TILE_J 256
// @knob TILE_K: [4, 8, 16, 32, 64, 128, 256]
#define TILE_K 256
/* 0: i-j-k (dot product, B read with stride m), 1: i-k-j (row update, unit stride),
 * 2: j-i-k (dot product), 3: k-i-j (row update) -- the order of the loops inside one tile. */
// @knob LOOP_ORDER: [0, 1, 2, 3]
#define LOOP_ORDER 0
/* Unroll factor of the innermost loop. */
// @knob UNROLL: [1, 2, 4, 8]
#define UNROLL 1

#define MM_PRAGMA(x) _Pragma(#x)
#define MM_UNROLL_BY(u) MM_PRAGMA(GCC unroll u)
#define MM_UNROLL MM_UNROLL_BY(UNROLL)

static inline int mm_min(int a, int b) { return a < b ? a : b; }

/* One tile: rows [i0, i1) of C, columns [j0, j1), reduction range [k0, k1). */
static void tile(int m, int k, const float *restrict A, const float *restrict B, float *restrict C,
                 int i0, int i1, int j0, int j1, int k0, int k1) {
#if LOOP_ORDER == 0
  for (int i = i0; i < i1; i++)
    for (int j = j0; j < j1; j++) {
      float s = C[(size_t)i * m + j];
      MM_UNROLL
      for (int p = k0; p < k1; p++) s += A[(size_t)i * k + p] * B[(size_t)p * m + j];
      C[(size_t)i * m + j] = s;
    }
#elif LOOP_ORDER == 1
  for (int i = i0; i < i1; i++)
    for (int p = k0; p < k1; p++) {
      const float a = A[(size_t)i * k + p];
      MM_UNROLL
      for (int j = j0; j < j1; j++) C[(size_t)i * m + j] += a * B[(size_t)p * m + j];
    }
#elif LOOP_ORDER == 2
  for (int j = j0; j < j1; j++)
    for (int i = i0; i < i1; i++) {
      float s = C[(size_t)i * m + j];
      MM_UNROLL
      for (int p = k0; p < k1; p++) s += A[(size_t)i * k + p] * B[(size_t)p * m + j];
      C[(size_t)i * m + j] = s;
    }
#elif LOOP_ORDER == 3
  for (int p = k0; p < k1; p++)
    for (int i = i0; i < i1; i++) {
      const float a = A[(size_t)i * k + p];
      MM_UNROLL
      for (int j = j0; j < j1; j++) C[(size_t)i * m + j] += a * B[(size_t)p * m + j];
    }
#else
#error "LOOP_ORDER must be 0, 1, 2 or 3"
#endif
}

void matmul(int n, int m, int k, const float *A, const float *B, float *C) {
  for (size_t x = 0; x < (size_t)n * m; x++) C[x] = 0.0f;
  for (int i0 = 0; i0 < n; i0 += TILE_I)
    for (int j0 = 0; j0 < m; j0 += TILE_J)
      for (int k0 = 0; k0 < k; k0 += TILE_K)
        tile(m, k, A, B, C, i0, mm_min(i0 + TILE_I, n), j0, mm_min(j0 + TILE_J, m), k0,
             mm_min(k0 + TILE_K, k));
}
// EVOLVE-BLOCK-END
