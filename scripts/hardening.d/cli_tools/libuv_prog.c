/* A correct libuv program for scripts/hardening: each file's open, write,
 * fstat, close and stat are chained through their callbacks, and
 * uv_queue_work's results are observed in the after-work callback, so
 * awaitaudit must give it no error-level finding.
 * Usage: libuv_prog DIR  (prints what it observed). */
#include <uv.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHAINS 6
#define WORKS 6

static const char *dir;
static uv_loop_t *loop;

struct chain {
    uv_fs_t req;
    char path[512];
    char data[700];
    size_t len;
    uv_file fd;
    int round;
};

static void chain_next(struct chain *c);

static void on_stat(uv_fs_t *r) {
    struct chain *c = r->data;
    if (r->result < 0 || r->statbuf.st_size != c->len * (uint64_t)(c->round + 1))
        printf("STALE stat %s\n", c->path);
    uv_fs_req_cleanup(r);
    c->round++;
    if (c->round < 3) chain_next(c);
}

static void on_close(uv_fs_t *r) {
    struct chain *c = r->data;
    uv_fs_req_cleanup(r);
    uv_fs_stat(loop, &c->req, c->path, on_stat);
}

static void on_fstat(uv_fs_t *r) {
    struct chain *c = r->data;
    if (r->result < 0 || r->statbuf.st_size != c->len * (uint64_t)(c->round + 1))
        printf("STALE fstat %s\n", c->path);
    uv_fs_req_cleanup(r);
    uv_fs_close(loop, &c->req, c->fd, on_close);
}

static void on_write(uv_fs_t *r) {
    struct chain *c = r->data;
    if (r->result != (ssize_t)c->len) printf("short write %s\n", c->path);
    uv_fs_req_cleanup(r);
    uv_fs_fstat(loop, &c->req, c->fd, on_fstat);
}

static void on_open(uv_fs_t *r) {
    struct chain *c = r->data;
    c->fd = (uv_file)r->result;
    uv_fs_req_cleanup(r);
    if (c->fd < 0) { printf("open failed %s\n", c->path); return; }
    uv_buf_t b = uv_buf_init(c->data, (unsigned)c->len);
    uv_fs_write(loop, &c->req, c->fd, &b, 1, -1, on_write);
}

static void chain_next(struct chain *c) {
    c->req.data = c;
    uv_fs_open(loop, &c->req, c->path, O_WRONLY | O_CREAT | O_APPEND, 0644, on_open);
}

struct work {
    uv_work_t w;
    uv_fs_t st;
    char path[512];
    size_t len;
};

static void do_work(uv_work_t *w) {
    struct work *k = w->data;
    int fd = open(k->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char buf[4096];
    memset(buf, 'w', sizeof buf);
    for (size_t left = k->len; left > 0;) {
        size_t n = left < sizeof buf ? left : sizeof buf;
        if (write(fd, buf, n) != (ssize_t)n) break;
        left -= n;
    }
    close(fd);
}

static void work_stat(uv_fs_t *r) {
    struct work *k = r->data;
    if (r->result < 0 || r->statbuf.st_size != k->len) printf("STALE work %s\n", k->path);
    uv_fs_req_cleanup(r);
}

static void after_work(uv_work_t *w, int status) {
    struct work *k = w->data;
    k->st.data = k;
    uv_fs_stat(loop, &k->st, k->path, work_stat);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: libuv_prog DIR\n"); return 2; }
    dir = argv[1];
    loop = uv_default_loop();
    static struct chain chains[CHAINS];
    static struct work works[WORKS];
    for (int i = 0; i < CHAINS; i++) {
        struct chain *c = &chains[i];
        snprintf(c->path, sizeof c->path, "%s/chain-%d.txt", dir, i);
        c->len = 100 + 90 * (size_t)i;
        for (size_t k = 0; k < c->len; k++) c->data[k] = 'a' + (char)(k % 26);
        chain_next(c);
    }
    for (int i = 0; i < WORKS; i++) {
        struct work *k = &works[i];
        snprintf(k->path, sizeof k->path, "%s/work-%d.bin", dir, i);
        k->len = 5000 + 3000 * (size_t)i;
        k->w.data = k;
        uv_queue_work(loop, &k->w, do_work, after_work);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    printf("libuv: %d chains x 3 rounds, %d queued works checked\n", CHAINS, WORKS);
    uv_loop_close(loop);
    return 0;
}
