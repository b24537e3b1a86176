// Process structure: fork/vfork, the exec family, posix_spawn, system and
// popen, exit paths, waitpid and dlopen.
//
// vfork is served by fork: a wrapper cannot return twice into a shared stack
// safely, and a vfork child that runs our code would write into the parent's
// buffers.  Programs only lose vfork's speed (and its undefined sharing).
// exec: the EXECVE record is written (AA_F_PENDING) before the call with a
// maps snapshot; a second EXECVE record (attempt=1) follows if exec failed.
#include <dlfcn.h>
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interceptor.h"

extern char** environ;

using namespace aa;

namespace {

// fork: the child's new log is opened by the pthread_atfork child handler
// (runtime.cpp), which also covers forks that bypass this wrapper.
// The calls other atfork handlers make inside fork are not recorded.  In the
// child, a handler registered before ours (jemalloc, in rustc, re-inits
// its arena mutexes) would still write into the parent's log, whose chunks
// the child shares until our handler opens its own: seen as a record with a
// bad size in the forking thread's chunk and a lost fork record.  In the
// parent, the handlers' records would come before the fork's own.
pid_t traced_fork(int is_vfork, pid_t (*real)()) {
  Call c;
  call_begin(c, AA_FORK);
  c.args(is_vfork);
  if (c.ts) c.ts->in_shim++;
  pid_t pid = real();
  if (c.ts) c.ts->in_shim--;  // in the child too: its thread state is the parent's copy
  if (pid != 0 && c.ts) call_end(c, pid);
  return pid;
}

// Records the attempt, swaps in the traced environment, runs the exec.
template <class F>
int traced_exec(const char* path, char* const* envp, F&& exec_with_env) {
  Call c;
  call_begin(c, AA_EXECVE);
  char* const* env = env_for_exec(envp ? envp : environ);
  if (c.ts) {
    c.args(0);
    c.r.path = path;
    call_emit_pending(c);
    c.ts->in_shim++;
    maps_snapshot(*c.ts, kMapsExec);
    c.ts->in_shim--;
    log_mark_execed();
  }
  int r = exec_with_env(env);
  int e = errno;
  if (c.ts) {
    log_clear_execed();
    Call f;
    if (call_begin(f, AA_EXECVE)) {
      f.args(1);
      f.r.path = path;
      f.r.t_enter = c.r.t_enter;
      call_end(f, r);
    }
  }
  errno = e;
  return r;
}

// execl-style variadic arguments into an argv array on the stack.
#define AA_COLLECT_ARGV(first, last)                       \
  va_list ap;                                              \
  size_t argc = 1;                                         \
  va_start(ap, first);                                     \
  while (va_arg(ap, const char*)) ++argc;                  \
  va_end(ap);                                              \
  const char** argv = (const char**)__builtin_alloca((argc + 1) * sizeof(char*)); \
  argv[0] = first;                                         \
  va_start(ap, first);                                     \
  for (size_t i = 1; i <= argc; ++i) argv[i] = va_arg(ap, const char*); \
  last;                                                    \
  va_end(ap);

}  // namespace

AA_INTERCEPTOR(pid_t, fork, (void)) { return traced_fork(0, REAL(fork)); }
AA_INTERCEPTOR(pid_t, vfork, (void)) { return traced_fork(1, REAL(fork)); }

AA_INTERCEPTOR(int, execve, (const char* path, char* const argv[], char* const envp[])) {
  return traced_exec(path, envp, [&](char* const* env) { return REAL(execve)(path, argv, env); });
}
AA_INTERCEPTOR(int, execv, (const char* path, char* const argv[])) {
  return traced_exec(path, environ, [&](char* const* env) { return REAL(execve)(path, argv, env); });
}
AA_INTERCEPTOR(int, execvpe, (const char* file, char* const argv[], char* const envp[])) {
  return traced_exec(file, envp, [&](char* const* env) { return REAL(execvpe)(file, argv, env); });
}
AA_INTERCEPTOR(int, execvp, (const char* file, char* const argv[])) {
  return traced_exec(file, environ, [&](char* const* env) { return REAL(execvpe)(file, argv, env); });
}
AA_INTERCEPTOR(int, fexecve, (int fd, char* const argv[], char* const envp[])) {
  return traced_exec("", envp, [&](char* const* env) { return REAL(fexecve)(fd, argv, env); });
}
AA_INTERCEPTOR(int, execl, (const char* path, const char* arg0, ...)) {
  AA_COLLECT_ARGV(arg0, (void)0)
  return traced_exec(path, environ, [&](char* const* env) { return REAL(execve)(path, (char* const*)argv, env); });
}
AA_INTERCEPTOR(int, execlp, (const char* file, const char* arg0, ...)) {
  AA_COLLECT_ARGV(arg0, (void)0)
  return traced_exec(file, environ, [&](char* const* env) { return REAL(execvpe)(file, (char* const*)argv, env); });
}
AA_INTERCEPTOR(int, execle, (const char* path, const char* arg0, ...)) {
  char* const* envp;
  AA_COLLECT_ARGV(arg0, envp = va_arg(ap, char* const*))
  return traced_exec(path, envp, [&](char* const* env) { return REAL(execve)(path, (char* const*)argv, env); });
}

namespace {
template <class F>
int traced_spawn(const char* path, pid_t* pid, char* const* envp, F&& spawn_with_env) {
  Call c;
  call_begin(c, AA_SPAWN);
  char* const* env = env_for_exec(envp ? envp : environ);
  pid_t local = 0;
  pid_t* out = pid ? pid : &local;
  int r = spawn_with_env(out, env);
  if (c.ts) {
    c.args(0, r == 0 ? *out : -1);
    c.r.path = path;
    c.r.err = r;
    call_end(c, r);
  }
  return r;
}
}  // namespace

AA_INTERCEPTOR(int, posix_spawn, (pid_t* pid, const char* path, const posix_spawn_file_actions_t* fa,
                                  const posix_spawnattr_t* at, char* const argv[], char* const envp[])) {
  return traced_spawn(path, pid, envp, [&](pid_t* p, char* const* env) { return REAL(posix_spawn)(p, path, fa, at, argv, env); });
}
AA_INTERCEPTOR(int, posix_spawnp, (pid_t* pid, const char* file, const posix_spawn_file_actions_t* fa,
                                   const posix_spawnattr_t* at, char* const argv[], char* const envp[])) {
  return traced_spawn(file, pid, envp, [&](pid_t* p, char* const* env) { return REAL(posix_spawnp)(p, file, fa, at, argv, env); });
}

// ---- system() and popen() ----------------------------------------------------
// glibc starts their shell with its internal posix_spawn and system() reaps
// it with its internal waitpid, neither of which an interposer sees: SHELL
// stands for the spawn (the child's pid is unknown: the analysis pairs it by
// ppid and time), SHELL_WAIT for the reap.
AA_INTERCEPTOR(int, system, (const char* cmd)) {
  Call c;
  call_begin(c, AA_SHELL);
  c.args(0);
  c.r.path = cmd ? cmd : "";
  int r = REAL(system)(cmd);
  if (c.ts) {
    int e = errno;
    call_end(c, r);
    Call w;
    if (call_begin(w, AA_SHELL_WAIT)) call_end(w, r);  // how = 0, stream = 0
    errno = e;
  }
  return r;
}
AA_INTERCEPTOR(FILE*, popen, (const char* cmd, const char* type)) {
  Call c;
  call_begin(c, AA_SHELL);
  c.args(1);
  c.r.path = cmd ? cmd : "";
  return traced(c, [&] { return REAL(popen)(cmd, type); });
}
AA_INTERCEPTOR(int, pclose, (FILE* f)) {
  Call c;
  call_begin(c, AA_SHELL_WAIT);
  c.args(1, f);
  return traced(c, [&] { return REAL(pclose)(f); });
}

// ---- exit ------------------------------------------------------------------
AA_INTERCEPTOR(void, exit, (int status)) {
  note_exit(status, 0);  // the destructor writes EXIT after atexit handlers ran
  REAL(exit)(status);
  __builtin_unreachable();
}
AA_INTERCEPTOR(void, _exit, (int status)) {
  record_exit(status, 1);
  REAL(_exit)(status);
  __builtin_unreachable();
}
AA_INTERCEPTOR(void, _Exit, (int status)) {
  record_exit(status, 1);
  REAL(_Exit)(status);
  __builtin_unreachable();
}

AA_INTERCEPTOR(pid_t, waitpid, (pid_t pid, int* status, int options)) {
  Call c;
  call_begin(c, AA_WAITPID);
  c.args(pid, options);
  return traced(c, [&] { return REAL(waitpid)(pid, status, options); });
}
AA_INTERCEPTOR(pid_t, wait4, (pid_t pid, int* status, int options, struct rusage* ru)) {
  Call c;
  call_begin(c, AA_WAITPID);
  c.args(pid, options);
  return traced(c, [&] { return REAL(wait4)(pid, status, options, ru); });
}
// dash reaps its children with wait3 (hardening: `make` recipes run by sh
// showed file races between a recipe's writes and make's later stat).
AA_INTERCEPTOR(pid_t, wait3, (int* status, int options, struct rusage* ru)) {
  Call c;
  call_begin(c, AA_WAITPID);
  c.args(-1, options);
  return traced(c, [&] { return REAL(wait3)(status, options, ru); });
}
// waitid reports the reaped child in siginfo: the record's ret is that pid
// (0: none changed state), so the analysis reads it like waitpid's.
AA_INTERCEPTOR(int, waitid, (idtype_t type, id_t id, siginfo_t* info, int options)) {
  Call c;
  call_begin(c, AA_WAITPID);
  c.args(type == P_PID ? (int64_t)id : -1, options);
  if (info) info->si_pid = 0;  // WNOHANG with nothing to report leaves it as it was
  int r = REAL(waitid)(type, id, info, options);
  if (c.ts) {
    int e = errno;
    call_end(c, r == 0 ? (info && (options & (WEXITED | WNOWAIT)) ? info->si_pid : 0) : -1);
    errno = e;
  }
  return r;
}
AA_INTERCEPTOR(pid_t, wait, (int* status)) {
  Call c;
  call_begin(c, AA_WAITPID);
  c.args(-1, 0);
  return traced(c, [&] { return REAL(wait)(status); });
}

AA_INTERCEPTOR(void*, dlopen, (const char* file, int flags)) {
  void* h = REAL(dlopen)(file, flags);
  if (!__atomic_load_n(&g_active, __ATOMIC_ACQUIRE)) return h;
  int e = errno;
  ThreadState& ts = thread_state();
  if (!ts.in_shim) {
    RecordSpec r;
    r.kind = AA_DLOPEN;
    r.a[0] = flags;
    r.path = file ? file : "";
    r.ret = h ? 0 : -1;
    r.t_enter = r.t_exit = now_ns();
    log_emit(ts, r);
    ts.in_shim++;
    maps_snapshot(ts, kMapsDlopen);
    perturb_after_dlopen();
    ts.in_shim--;
  }
  errno = e;
  return h;
}
