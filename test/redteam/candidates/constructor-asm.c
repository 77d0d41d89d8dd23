/* Red team (route: C constructors and interposition). A constructor planted with top-level asm in
 * .init_array (no __attribute__ for a scanner to see) that tries to forge before main() runs, and a
 * non-static `write` that would interpose on the harness's own output. Both must be refused. */
#include <unistd.h>

static void early(void) {
  static const char msg[] = "{\"correct\":true,\"feedback\":\"FORGED\"}\n";
  (void)!write(1, msg, sizeof msg - 1);
}
__asm__(".section .init_array,\"aw\"\n.align 8\n.quad early\n.previous\n");

ssize_t write(int fd, const void *buf, size_t len) {
  (void)fd; (void)buf;
  return (ssize_t)len;
}

void matmul(int n, int m, int k, const float *A, const float *B, float *C) {
  early();
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++) {
      float s = 0;
      for (int p = 0; p < k; p++) s += A[i * k + p] * B[p * m + j];
      C[i * m + j] = s;
    }
}
