// libuv: uv_fs_write() with a callback runs the write(2) on libuv's
// threadpool.  The positive form then calls a synchronous uv_fs_fstat() on the
// loop thread before the callback ran; the twin (--twin) stats inside the
// write callback.  Prints `stale K/N`: iterations whose fstat saw a size that
// misses the write.
//
// Lines tagged AA-SUBMIT / AA-OBSERVE are looked up by the test driver.
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "subject_common.h"

static char payload[] = "awaitaudit libuv payload\n";

struct iteration {
  uv_fs_t write_req;
  uv_file fd;
  int stale;
};

static int size_is_stale(uv_loop_t* loop, uv_file fd) {
  uv_fs_t req;
  int rc = uv_fs_fstat(loop, &req, fd, NULL);  // AA-OBSERVE
  int stale = rc != 0 || req.statbuf.st_size != sizeof payload - 1;
  uv_fs_req_cleanup(&req);
  return stale;
}

static void on_write_twin(uv_fs_t* req) {
  struct iteration* it = req->data;
  if (req->result < 0) fprintf(stderr, "write: %s\n", uv_strerror((int)req->result));
  it->stale = size_is_stale(req->loop, it->fd);
}

static void on_write(uv_fs_t* req) {
  if (req->result < 0) fprintf(stderr, "write: %s\n", uv_strerror((int)req->result));
}

int main(int argc, char** argv) {
  struct subject_args args;
  subject_parse(argc, argv, "libuv_write", &args);
  uv_loop_t* loop = uv_default_loop();

  int stale = 0;
  for (int i = 0; i < args.iters; i++) {
    char path[600];
    subject_path(&args, i, path, sizeof path);
    uv_fs_t open_req;
    uv_file fd = uv_fs_open(loop, &open_req, path, O_WRONLY | O_CREAT | O_TRUNC, 0600, NULL);
    uv_fs_req_cleanup(&open_req);
    if (fd < 0) {
      fprintf(stderr, "%s: %s\n", path, uv_strerror(fd));
      return 3;
    }
    struct iteration it = {.fd = fd, .stale = 0};
    it.write_req.data = &it;
    uv_buf_t buf = uv_buf_init(payload, sizeof payload - 1);
    uv_fs_write(loop, &it.write_req, fd, &buf, 1, -1, args.twin ? on_write_twin : on_write);  // AA-SUBMIT
    if (!args.twin) it.stale = size_is_stale(loop, fd);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_fs_req_cleanup(&it.write_req);
    stale += it.stale;
    uv_fs_t close_req;
    uv_fs_close(loop, &close_req, fd, NULL);
    uv_fs_req_cleanup(&close_req);
  }
  uv_loop_close(loop);
  subject_cleanup(&args);
  printf("stale %d/%d\n", stale, args.iters);
  return 0;
}
