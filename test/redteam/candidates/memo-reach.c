/* Red team (memoised answers): look for anything the evaluator knows — its environment (seed, result path),
 * its memory, its scratch folder, other processes — to reuse a reference instead of computing. Reports every
 * read that succeeds as LEAKED, then computes honestly so the verdict shows only what leaked. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void try_read(const char *path) {
  char buf[256];
  int fd = open(path, O_RDONLY);
  if (fd < 0) return;
  ssize_t got = read(fd, buf, sizeof buf);
  close(fd);
  if (got > 0) fprintf(stderr, "LEAKED: read %zd bytes of %s\n", got, path);
}

static void probe(void) {
  char path[512];
  pid_t parent = getppid();
  static const char *what[] = {"environ", "mem", "maps", "cmdline", "status"};
  for (unsigned w = 0; w < 5; w++) {
    snprintf(path, sizeof path, "/proc/%d/%s", (int)parent, what[w]);
    if (strcmp(what[w], "environ") == 0 || strcmp(what[w], "mem") == 0) try_read(path);
  }
  DIR *proc = opendir("/proc");
  struct dirent *e;
  int others = 0;
  while (proc && (e = readdir(proc)))
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9') {
      others++;
      snprintf(path, sizeof path, "/proc/%s/environ", e->d_name);
      if (atoi(e->d_name) != getpid()) try_read(path);
    }
  if (proc) closedir(proc);
  fprintf(stderr, "saw %d processes\n", others);
  static const char *dirs[] = {"../trusted", "/problem/.trusted", "/problem/workloads"};
  for (unsigned d = 0; d < 3; d++) {
    DIR *dir = opendir(dirs[d]);
    while (dir && (e = readdir(dir))) {
      if (e->d_name[0] == '.') continue;
      snprintf(path, sizeof path, "%s/%s", dirs[d], e->d_name);
      if (strstr(dirs[d], "trusted")) try_read(path);
    }
    if (dir) closedir(dir);
  }
}

void matmul(int n, int m, int k, const float *A, const float *B, float *C) {
  static int done;
  if (!done++) probe();
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++) {
      float s = 0;
      for (int p = 0; p < k; p++) s += A[i * k + p] * B[p * m + j];
      C[i * m + j] = s;
    }
}
