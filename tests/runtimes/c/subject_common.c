#include "subject_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(const char* name) {
  fprintf(stderr, "usage: %s [--twin] [--stdio] [--iters N] [--dir D]\n", name);
  exit(2);
}

void subject_parse(int argc, char** argv, const char* name, struct subject_args* out) {
  const char* base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  out->twin = false;
  out->stdio = false;
  out->iters = 200;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--twin") == 0) {
      out->twin = true;
    } else if (strcmp(argv[i], "--stdio") == 0) {
      out->stdio = true;
    } else if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc) {
      out->iters = atoi(argv[++i]);
      if (out->iters <= 0) usage(name);
    } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
      base = argv[++i];
    } else {
      usage(name);
    }
  }
  snprintf(out->dir, sizeof out->dir, "%s/aa-%s-%d", base, name, (int)getpid());
  if (mkdir(out->dir, 0700) != 0) {
    perror(out->dir);
    exit(3);
  }
}

void subject_path(const struct subject_args* args, int i, char* buf, unsigned len) {
  snprintf(buf, len, "%s/f%d", args->dir, i);
}

void subject_cleanup(const struct subject_args* args) {
  char path[600];
  for (int i = 0; i < args->iters; i++) {
    subject_path(args, i, path, sizeof path);
    unlink(path);
  }
  rmdir(args->dir);
}
