// C++ std::async(std::launch::async, ...): the write(2) runs on a thread the
// standard library starts for it; the future's get() is the await.  The
// positive form stat()s the path before get(); the twin (--twin) after.
// Prints `stale K/N`: stats that missed the write.
//
// Lines tagged AA-SUBMIT / AA-OBSERVE are looked up by the test driver.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <future>

extern "C" {
#include "subject_common.h"
}

static const char kPayload[] = "awaitaudit std::async payload\n";

static ssize_t write_payload(int fd) { return write(fd, kPayload, sizeof kPayload - 1); }

static bool size_is_stale(const char* path) {
  struct stat st;
  int rc = stat(path, &st);  // AA-OBSERVE
  return rc != 0 || st.st_size != static_cast<off_t>(sizeof kPayload - 1);
}

int main(int argc, char** argv) {
  subject_args args;
  subject_parse(argc, argv, "std_async", &args);
  int stale = 0;
  for (int i = 0; i < args.iters; i++) {
    char path[600];
    subject_path(&args, i, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
      perror(path);
      return 3;
    }
    auto written = std::async(std::launch::async, write_payload, fd);  // AA-SUBMIT
    if (args.twin) written.get();
    stale += size_is_stale(path);
    if (!args.twin && written.get() < 0) perror("write");
    close(fd);
  }
  subject_cleanup(&args);
  printf("stale %d/%d\n", stale, args.iters);
  return 0;
}
