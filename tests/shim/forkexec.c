// Process structure under the shim.  Modes (argv[1]):
//   child TAG       write child-TAG.txt, check FOO when TAG is envp/spawn, exit 0
//   fork-exec       fork + execv(self, child fe)
//   own-envp        fork + execve(self, child envp) with envp = {FOO=bar} only
//   vfork-exec      vfork + execv(self, child vf), parent keeps writing around it
//   spawn           posix_spawn(self, child spawn) with envp = {FOO=bar} only
//   fork-only       fork; the child writes child-fo.txt and _exit(0)s
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_file(const char* name, int n) {
  int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) return 1;
  for (int i = 0; i < n; ++i)
    if (write(fd, "0123456789", 10) != 10) return 1;
  return close(fd);
}

static int wait_ok(pid_t pid) {
  int st = 0;
  if (waitpid(pid, &st, 0) != pid) return 0;
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const char* mode = argv[1];
  if (!strcmp(mode, "child")) {
    char name[64];
    snprintf(name, sizeof name, "child-%s.txt", argv[2]);
    if ((!strcmp(argv[2], "envp") || !strcmp(argv[2], "spawn")) &&
        (!getenv("FOO") || strcmp(getenv("FOO"), "bar"))) return 3;
    return write_file(name, 3);
  }
  if (!strcmp(mode, "fork-exec") || !strcmp(mode, "own-envp")) {
    if (write_file("parent.txt", 2)) return 1;
    pid_t pid = fork();
    if (pid == 0) {
      if (!strcmp(mode, "fork-exec")) {
        char* args[] = {argv[0], "child", "fe", NULL};
        execv("/proc/self/exe", args);
      } else {
        char* args[] = {argv[0], "child", "envp", NULL};
        char* envp[] = {"FOO=bar", NULL};
        execve("/proc/self/exe", args, envp);
      }
      _exit(127);
    }
    return wait_ok(pid) ? 0 : 1;
  }
  if (!strcmp(mode, "vfork-exec")) {
    if (write_file("before.txt", 5)) return 1;
    char* args[] = {argv[0], "child", "vf", NULL};
    pid_t pid = vfork();
    if (pid == 0) {
      execv("/proc/self/exe", args);
      _exit(127);
    }
    if (write_file("after.txt", 5)) return 1;
    return wait_ok(pid) ? 0 : 1;
  }
  if (!strcmp(mode, "spawn")) {
    char* args[] = {argv[0], "child", "spawn", NULL};
    char* envp[] = {"FOO=bar", NULL};
    pid_t pid;
    if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, envp) != 0) return 1;
    return wait_ok(pid) ? 0 : 1;
  }
  if (!strcmp(mode, "fork-only")) {
    if (write_file("parent.txt", 1)) return 1;
    pid_t pid = fork();
    if (pid == 0) _exit(write_file("child-fo.txt", 4));
    if (write_file("parent2.txt", 1)) return 1;
    return wait_ok(pid) ? 0 : 1;
  }
  return 2;
}
