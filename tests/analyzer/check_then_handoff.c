/* gcc -save-temps' shape: a thread stats a file (ENOENT), then hands its
 * creation to a helper (fork or pthread_create) with no other sync call in
 * between, and waits before looking again.  The stat came before the
 * handoff, so it cannot have overtaken the helper's write.
 *   check_then_handoff check-fork|check-thread|early-fork|early-thread PATH
 * check-*: stat, handoff, wait, stat (correct);
 * early-*: handoff, stat before the wait (a real premature observation). */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *path;

static void create_late(void) {
    struct timespec d = {0, 20 * 1000 * 1000};
    nanosleep(&d, NULL);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (write(fd, "seven!\n", 7) != 7) _exit(3);
    close(fd);
}

static void *thread_main(void *arg) { (void)arg; create_late(); return NULL; }

static long size_now(void) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: check_then_handoff MODE PATH\n"); return 2; }
    const char *mode = argv[1];
    path = argv[2];
    int check = strncmp(mode, "check-", 6) == 0;
    int use_fork = strcmp(mode + (check ? 6 : 6), "fork") == 0;
    long before = check ? size_now() : -2;
    long early = -2;
    if (use_fork) {
        pid_t pid = fork();
        if (pid == 0) { create_late(); _exit(0); }
        if (!check) early = size_now();
        waitpid(pid, NULL, 0);
    } else {
        pthread_t t;
        pthread_create(&t, NULL, thread_main, NULL);
        if (!check) early = size_now();
        pthread_join(t, NULL);
    }
    printf("before %ld early %ld size %ld\n", before, early, size_now());
    return 0;
}
