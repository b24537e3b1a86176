// Shared by the C subjects: argument parsing and a per-run scratch directory.
#pragma once
#include <stdbool.h>

struct subject_args {
  bool twin;      // --twin: the correct form that waits before observing
  bool stdio;     // --stdio: the subject writes through stdio (fopen/fputs/fclose) where it can
  int iters;      // --iters N (default 200)
  char dir[512];  // scratch directory, created fresh for this run
};

// Parses argv; exits with status 2 and a usage line on bad input.
void subject_parse(int argc, char** argv, const char* name, struct subject_args* out);
// Path of iteration i's file inside args->dir.
void subject_path(const struct subject_args* args, int i, char* buf, unsigned len);
// Removes the files of every iteration and the directory.
void subject_cleanup(const struct subject_args* args);
