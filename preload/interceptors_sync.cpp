// Synchronisation calls: the happens-before edges.  Threads (create, start,
// exit, join), mutexes, condition variables, semaphores, epoll and poll.
// futex arrives through syscall() (interceptors_syscall.cpp).
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "interceptor.h"

using namespace aa;

int aa::g_live_threads;  // threads started through our pthread_create and not yet ended

namespace {

uint32_t g_spawn_counter = 1;  // 0 is the main thread
__thread uint8_t t_exit_recorded __attribute__((tls_model("initial-exec")));

struct Trampoline {
  void* (*fn)(void*);
  void* arg;
  uint32_t spawn_id;
  int32_t creator_tid;
};

void record_simple(aa_kind kind, int64_t a0, int64_t a1, int64_t a2) {
  Call c;
  if (!call_begin(c, kind)) return;
  c.args(a0, a1, a2);
  call_end(c, 0);
}

void* thread_main(void* p) {
  Trampoline t = *(Trampoline*)p;
  free(p);
  ThreadState& ts = thread_state();
  ts.spawn_id = t.spawn_id;
  record_simple(AA_THREAD_START, t.spawn_id, t.creator_tid, (int64_t)pthread_self());
  void* ret = t.fn(t.arg);
  if (!t_exit_recorded) {
    t_exit_recorded = 1;
    record_simple(AA_THREAD_EXIT, t.spawn_id, (int64_t)pthread_self(), 0);
    __atomic_sub_fetch(&g_live_threads, 1, __ATOMIC_RELAXED);
  }
  return ret;
}

// pthread-style calls return the error number instead of setting errno.
template <class F>
int traced_pthread(Call& c, F&& fn) {
  int r = fn();
  if (c.ts) {
    c.r.err = r;
    call_end(c, r);
  }
  return r;
}

}  // namespace

AA_INTERCEPTOR(int, pthread_create, (pthread_t* th, const pthread_attr_t* attr, void* (*fn)(void*), void* arg)) {
  if (!__atomic_load_n(&g_active, __ATOMIC_RELAXED)) return REAL(pthread_create)(th, attr, fn, arg);
  auto* t = (Trampoline*)malloc(sizeof(Trampoline));
  if (!t) return REAL(pthread_create)(th, attr, fn, arg);
  uint32_t id = __atomic_fetch_add(&g_spawn_counter, 1, __ATOMIC_RELAXED);
  *t = Trampoline{fn, arg, id, thread_state().tid};
  Call c;
  call_begin(c, AA_THREAD_CREATE);
  // Counted before it runs: a fork right after pthread_create returns must
  // see the new thread as alive.
  __atomic_add_fetch(&g_live_threads, 1, __ATOMIC_RELAXED);
  int r = REAL(pthread_create)(th, attr, thread_main, t);
  if (r != 0) {
    free(t);
    __atomic_sub_fetch(&g_live_threads, 1, __ATOMIC_RELAXED);
  }
  if (c.ts) {
    c.args(id, r == 0 ? (int64_t)*th : 0);
    c.r.err = r;
    call_end(c, r);
  }
  return r;
}

AA_INTERCEPTOR(void, pthread_exit, (void* ret)) {
  if (!t_exit_recorded) {
    t_exit_recorded = 1;
    record_simple(AA_THREAD_EXIT, thread_state().spawn_id, (int64_t)pthread_self(), 0);
    if (thread_state().spawn_id) __atomic_sub_fetch(&g_live_threads, 1, __ATOMIC_RELAXED);
  }
  REAL(pthread_exit)(ret);
  __builtin_unreachable();
}

AA_INTERCEPTOR(int, pthread_join, (pthread_t th, void** ret)) {
  Call c;
  call_begin(c, AA_THREAD_JOIN);
  c.args((int64_t)th);
  return traced_pthread(c, [&] { return REAL(pthread_join)(th, ret); });
}
// The non-portable joins (recorded as joins; a failed one, EBUSY or
// ETIMEDOUT, orders nothing since the analysis takes only ret == 0).
AA_INTERCEPTOR(int, pthread_tryjoin_np, (pthread_t th, void** ret)) {
  Call c;
  call_begin(c, AA_THREAD_JOIN);
  c.args((int64_t)th);
  return traced_pthread(c, [&] { return REAL(pthread_tryjoin_np)(th, ret); });
}
AA_INTERCEPTOR(int, pthread_timedjoin_np, (pthread_t th, void** ret, const struct timespec* t)) {
  Call c;
  call_begin(c, AA_THREAD_JOIN);
  c.args((int64_t)th);
  return traced_pthread(c, [&] { return REAL(pthread_timedjoin_np)(th, ret, t); });
}
AA_INTERCEPTOR(int, pthread_clockjoin_np, (pthread_t th, void** ret, clockid_t clk, const struct timespec* t)) {
  Call c;
  call_begin(c, AA_THREAD_JOIN);
  c.args((int64_t)th);
  return traced_pthread(c, [&] { return REAL(pthread_clockjoin_np)(th, ret, clk, t); });
}

// Mutex locks are recorded when they succeed: a failed trylock orders nothing.
#define AA_LOCK_BODY(call, is_try)                              \
  Call c;                                                       \
  call_begin(c, AA_MUTEX_LOCK);                                 \
  int r = call;                                                 \
  if (c.ts && r == 0) {                                         \
    c.args(m, is_try);                                          \
    call_end(c, 0);                                             \
  }                                                             \
  return r;

AA_INTERCEPTOR(int, pthread_mutex_lock, (pthread_mutex_t* m)) { AA_LOCK_BODY(REAL(pthread_mutex_lock)(m), 0) }
AA_INTERCEPTOR(int, pthread_mutex_trylock, (pthread_mutex_t* m)) { AA_LOCK_BODY(REAL(pthread_mutex_trylock)(m), 1) }
AA_INTERCEPTOR(int, pthread_mutex_timedlock, (pthread_mutex_t* m, const struct timespec* t)) {
  AA_LOCK_BODY(REAL(pthread_mutex_timedlock)(m, t), 2)
}
AA_INTERCEPTOR(int, pthread_mutex_unlock, (pthread_mutex_t* m)) {
  Call c;
  call_begin(c, AA_MUTEX_UNLOCK);  // released before the call: the edge starts here
  c.args(m);
  return traced_pthread(c, [&] { return REAL(pthread_mutex_unlock)(m); });
}

// Condition variables: the 2.3.2 symbol versions (current ABI).
#define AA_COND_VER "GLIBC_2.3.2"
AA_INTERCEPTOR_VER(int, pthread_cond_signal, AA_COND_VER, (pthread_cond_t* cv)) {
  Call c;
  call_begin(c, AA_COND_SIGNAL);
  c.args(cv);
  return traced_pthread(c, [&] { return REAL(pthread_cond_signal)(cv); });
}
AA_INTERCEPTOR_VER(int, pthread_cond_broadcast, AA_COND_VER, (pthread_cond_t* cv)) {
  Call c;
  call_begin(c, AA_COND_BROADCAST);
  c.args(cv);
  return traced_pthread(c, [&] { return REAL(pthread_cond_broadcast)(cv); });
}
AA_INTERCEPTOR_VER(int, pthread_cond_wait, AA_COND_VER, (pthread_cond_t* cv, pthread_mutex_t* m)) {
  Call c;
  call_begin(c, AA_COND_WAIT);
  c.args(cv, m, 0);
  return traced_pthread(c, [&] { return REAL(pthread_cond_wait)(cv, m); });
}
AA_INTERCEPTOR_VER(int, pthread_cond_timedwait, AA_COND_VER,
                   (pthread_cond_t* cv, pthread_mutex_t* m, const struct timespec* t)) {
  Call c;
  call_begin(c, AA_COND_WAIT);
  c.args(cv, m, 1);
  return traced_pthread(c, [&] { return REAL(pthread_cond_timedwait)(cv, m, t); });
}
AA_INTERCEPTOR(int, pthread_cond_clockwait,
               (pthread_cond_t* cv, pthread_mutex_t* m, clockid_t clk, const struct timespec* t)) {
  Call c;
  call_begin(c, AA_COND_WAIT);
  c.args(cv, m, 2);
  return traced_pthread(c, [&] { return REAL(pthread_cond_clockwait)(cv, m, clk, t); });
}

// Semaphores follow errno conventions.
AA_INTERCEPTOR(int, sem_post, (sem_t* s)) {
  Call c;
  call_begin(c, AA_SEM_POST);
  c.args(s);
  return traced(c, [&] { return REAL(sem_post)(s); });
}
#define AA_SEM_WAIT(call, mode) \
  Call c;                       \
  call_begin(c, AA_SEM_WAIT);   \
  c.args(s, mode);              \
  return traced(c, [&] { return call; });
AA_INTERCEPTOR(int, sem_wait, (sem_t* s)) { AA_SEM_WAIT(REAL(sem_wait)(s), 0) }
AA_INTERCEPTOR(int, sem_trywait, (sem_t* s)) { AA_SEM_WAIT(REAL(sem_trywait)(s), 1) }
AA_INTERCEPTOR(int, sem_timedwait, (sem_t* s, const struct timespec* t)) { AA_SEM_WAIT(REAL(sem_timedwait)(s, t), 2) }
AA_INTERCEPTOR(int, sem_clockwait, (sem_t* s, clockid_t clk, const struct timespec* t)) {
  AA_SEM_WAIT(REAL(sem_clockwait)(s, clk, t), 2)
}

AA_INTERCEPTOR(int, epoll_wait, (int ep, struct epoll_event* ev, int max, int timeout)) {
  Call c;
  call_begin(c, AA_EPOLL_WAIT);
  c.args(ep, max, timeout);
  return traced(c, [&] { return REAL(epoll_wait)(ep, ev, max, timeout); });
}
AA_INTERCEPTOR(int, epoll_pwait, (int ep, struct epoll_event* ev, int max, int timeout, const sigset_t* ss)) {
  Call c;
  call_begin(c, AA_EPOLL_WAIT);
  c.args(ep, max, timeout);
  return traced(c, [&] { return REAL(epoll_pwait)(ep, ev, max, timeout, ss); });
}
AA_INTERCEPTOR(int, poll, (struct pollfd* fds, nfds_t n, int timeout)) {
  Call c;
  call_begin(c, AA_POLL);
  c.args(n, timeout);
  return traced(c, [&] { return REAL(poll)(fds, n, timeout); });
}
