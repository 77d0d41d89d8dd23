/* Candidate-side server of matmul-cpu: runs as the candidate (another uid than the evaluator), computes, judges nothing.
 *
 * Protocol on stdin/stdout, all little-endian, repeated until stdin ends:
 *   in:  "MMUL" int32 n, m, k;  A (n*k floats);  B (k*m floats);  one byte "g" (go)
 *   out: C (n*m floats), computed by matmul() into a 64-byte-aligned buffer filled with NaN before the call
 * The evaluator keeps its own clock from "go" to the last byte of C and checks C against its own
 * double-precision reference: nothing this process says about time or correctness is believed. The
 * kernel's own stdout is sent to stderr so that printing cannot corrupt the channel.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void matmul(int n, int m, int k, const float *A, const float *B, float *C);

static int channel_out;

static int read_all(void *buf, size_t len) {
  char *p = buf;
  while (len > 0) {
    ssize_t got = read(0, p, len);
    if (got <= 0) return -1;
    p += got;
    len -= (size_t)got;
  }
  return 0;
}

static int write_all(const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t put = write(channel_out, p, len);
    if (put <= 0) return -1;
    p += put;
    len -= (size_t)put;
  }
  return 0;
}

static float *grow(float *old, size_t *have, size_t want) {
  if (want <= *have) return old;
  free(old);
  size_t bytes = (want * sizeof(float) + 63) / 64 * 64;
  *have = want;
  return aligned_alloc(64, bytes);
}

int main(void) {
  channel_out = dup(1);
  if (channel_out < 0 || dup2(2, 1) < 0) return 3;
  float *A = NULL, *B = NULL, *C = NULL;
  size_t ha = 0, hb = 0, hc = 0;
  for (;;) {
    char magic[4];
    int32_t dims[3];
    if (read_all(magic, 4) != 0) return 0; /* the evaluator is done */
    if (memcmp(magic, "MMUL", 4) != 0 || read_all(dims, sizeof dims) != 0) return 4;
    int n = dims[0], m = dims[1], k = dims[2];
    if (n < 1 || m < 1 || k < 1 || n > 8192 || m > 8192 || k > 8192) return 4;
    A = grow(A, &ha, (size_t)n * k);
    B = grow(B, &hb, (size_t)k * m);
    C = grow(C, &hc, (size_t)n * m);
    if (!A || !B || !C) return 5;
    if (read_all(A, (size_t)n * k * sizeof(float)) || read_all(B, (size_t)k * m * sizeof(float))) return 4;
    for (size_t i = 0; i < (size_t)n * m; i++) C[i] = NAN;
    char go;
    if (read_all(&go, 1) != 0 || go != 'g') return 4;
    matmul(n, m, k, A, B, C);
    if (write_all(C, (size_t)n * m * sizeof(float)) != 0) return 0;
  }
}
