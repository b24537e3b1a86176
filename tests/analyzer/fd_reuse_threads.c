/* Two threads each rewrite a file of their own in a loop (open O_CREAT|O_TRUNC,
 * write, fstat, close), so one thread's close and the other's open race for
 * the same fd number: the open enters first, the kernel frees the number at
 * the close, and the open returns it.  Correct: main joins both, then stats.
 *   fd_reuse_threads DIR ITERATIONS */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *dir;
static int iters;

static void *loop(void *arg) {
    long id = (long)arg;
    char path[512], buf[64];
    snprintf(path, sizeof path, "%s/t%ld.txt", dir, id);
    int n = snprintf(buf, sizeof buf, "thread %ld writes this line\n", id);
    for (int i = 0; i < iters; i++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, buf, (size_t)n) != n) { perror("write"); exit(3); }
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_size != n) { fprintf(stderr, "bad size\n"); exit(4); }
        close(fd);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: fd_reuse_threads DIR ITERATIONS\n"); return 2; }
    dir = argv[1];
    iters = atoi(argv[2]);
    pthread_t t[2];
    for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, loop, (void *)i);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    long total = 0;
    for (int i = 0; i < 2; i++) {
        char path[512];
        struct stat st;
        snprintf(path, sizeof path, "%s/t%d.txt", dir, i);
        if (stat(path, &st) == 0) total += st.st_size;
    }
    printf("sizes %ld\n", total);
    return 0;
}
