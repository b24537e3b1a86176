// GLib/GIO: g_output_stream_write_all_async() on a local file runs the
// write(2) on GLib's GTask thread pool (a regular file is not pollable).  The
// positive form queries the file's size with a synchronous
// g_file_query_info() before the GAsyncReadyCallback ran; the twin (--twin)
// queries inside the callback, after write_all_finish().  Prints `stale K/N`:
// iterations whose query saw a size that misses the write.
//
// Lines tagged AA-SUBMIT / AA-OBSERVE are looked up by the test driver.
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "subject_common.h"

static const char payload[] = "awaitaudit gio payload\n";

struct iteration {
  GFile* file;
  gboolean twin, done;
  int stale;
};

static int size_is_stale(GFile* file) {
  GError* err = NULL;
  const char* attr = G_FILE_ATTRIBUTE_STANDARD_SIZE;
  GFileInfo* info = g_file_query_info(file, attr, G_FILE_QUERY_INFO_NONE, NULL, &err);  // AA-OBSERVE
  if (!info) {
    g_error_free(err);
    return 1;
  }
  int stale = g_file_info_get_size(info) != (goffset)(sizeof payload - 1);
  g_object_unref(info);
  return stale;
}

static void on_written(GObject* stream, GAsyncResult* res, gpointer data) {
  struct iteration* it = data;
  GError* err = NULL;
  if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(stream), res, NULL, &err)) {
    fprintf(stderr, "write: %s\n", err->message);
    g_error_free(err);
  }
  if (it->twin) it->stale = size_is_stale(it->file);
  it->done = TRUE;
}

int main(int argc, char** argv) {
  struct subject_args args;
  subject_parse(argc, argv, "gio_write", &args);
  int stale = 0;
  for (int i = 0; i < args.iters; i++) {
    char path[600];
    subject_path(&args, i, path, sizeof path);
    struct iteration it = {.file = g_file_new_for_path(path), .twin = args.twin};
    GError* err = NULL;
    GFileOutputStream* out = g_file_replace(it.file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &err);
    if (!out) {
      fprintf(stderr, "%s: %s\n", path, err->message);
      return 3;
    }
    GOutputStream* stream = G_OUTPUT_STREAM(out);
    g_output_stream_write_all_async(stream, payload, sizeof payload - 1, 0, NULL, on_written, &it);  // AA-SUBMIT
    if (!args.twin) it.stale = size_is_stale(it.file);
    while (!it.done) g_main_context_iteration(NULL, TRUE);
    stale += it.stale;
    g_output_stream_close(G_OUTPUT_STREAM(out), NULL, NULL);
    g_object_unref(out);
    g_object_unref(it.file);
  }
  subject_cleanup(&args);
  printf("stale %d/%d\n", stale, args.iters);
  return 0;
}
