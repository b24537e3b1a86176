// Direct system calls for the shim's own work.  They bypass libc (and so our
// own interposers, including syscall()), never touch errno, and are
// async-signal-safe.  Return the kernel's value: -errno on failure.
#pragma once
#include <stdint.h>
#include <sys/syscall.h>

namespace aa {

static inline long raw_syscall6(long n, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0,
                                long a5 = 0, long a6 = 0) {
  long ret;
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  register long r9 __asm__("r9") = a6;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

#define AA_RAW(n, ...) ::aa::raw_syscall6(SYS_##n, ##__VA_ARGS__)

}  // namespace aa
