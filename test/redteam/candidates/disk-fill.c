/* Red team (disk): fill the workspace and /tmp with 8 MB files until a write fails, report how much went in,
 * then compute honestly. The sandbox must stop it at resources.disk_mb and stay usable. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char chunk[1 << 20];

static long fill(const char *dir) {
  long mb = 0;
  char path[256];
  memset(chunk, 0x5a, sizeof chunk);
  for (int f = 0; f < 1024; f++) {
    snprintf(path, sizeof path, "%s/fill-%d", dir, f);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return mb;
    for (int i = 0; i < 8; i++) {
      if (write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk) {
        close(fd);
        return mb;
      }
      mb++;
    }
    close(fd);
  }
  return mb;
}

void matmul(int n, int m, int k, const float *A, const float *B, float *C) {
  static int done;
  if (!done++) {
    fprintf(stderr, "FILLED workspace %ld MB\n", fill("."));
    fprintf(stderr, "FILLED tmp %ld MB\n", fill("/tmp"));
  }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++) {
      float s = 0;
      for (int p = 0; p < k; p++) s += A[i * k + p] * B[p * m + j];
      C[i * m + j] = s;
    }
}
