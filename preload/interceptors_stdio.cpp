// stdio streams.  glibc's FILE functions reach the kernel through libc's
// internal open/read/write/close, which no interposer sees: a C program that
// writes its files with fopen/fprintf/fclose (or C++ ofstream, which opens
// through fopen) left no trace at all.  Each stream call is recorded as the
// system calls it made: fopen as OPEN, the bytes a call flushed to the
// kernel as one WRITE, the bytes a call pulled into its buffer as one READ,
// fclose as a WRITE of what it flushed and a CLOSE, a seek (fseek, rewind,
// fsetpos) as the WRITE of what it flushed, exit() as one WRITE per stream
// it will flush.
//
// The byte counts come from the buffer pointers of glibc's public FILE
// layout, read before and after the call:
//   flushed = buffered before + bytes the call took - buffered after
//   pulled  = available after + bytes the call gave  - available before
// so bytes queued by inline macros (putc_unlocked) between calls are counted
// when they reach the kernel.  A stream used by two threads at once can skew
// a count; a stream without an fd (fmemopen, open_memstream) is skipped.
// Stream calls are not perturbed: whether one reaches the kernel is only
// known afterwards.
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "interceptor.h"

using namespace aa;

namespace {

int64_t pending_out(FILE* f) { return f->_IO_write_ptr > f->_IO_write_base ? f->_IO_write_ptr - f->_IO_write_base : 0; }
int64_t pending_in(FILE* f) { return f->_IO_read_end > f->_IO_read_ptr ? f->_IO_read_end - f->_IO_read_ptr : 0; }
int64_t buffer_size(FILE* f) { return f->_IO_buf_end > f->_IO_buf_base ? f->_IO_buf_end - f->_IO_buf_base : 0; }

// Like call_begin, without perturbation and without a kind yet.
bool stream_begin(Call& c) {
  if (!__atomic_load_n(&g_active, __ATOMIC_RELAXED)) return false;
  ThreadState& ts = thread_state();
  if (ts.in_shim) return false;
  c.ts = &ts;
  c.r.t_enter = now_ns();
  return true;
}

// The WRITE a stream call made, if it flushed anything (or failed to).
void emit_flush(Call& c, int fd, int64_t flushed, bool failed, int err) {
  if (!c.ts || fd < 0 || (flushed <= 0 && !failed)) return;
  c.r.kind = AA_WRITE;
  c.args(fd, flushed > 0 ? flushed : 0, -1, 0);
  c.r.err = failed ? err : 0;
  call_end(c, failed ? -1 : flushed);
}

// Output calls: `took(r)` is the bytes the call accepted, from its result.
template <class R, class F>
R traced_out(FILE* f, F&& fn, int64_t (*took)(R)) {
  Call c;
  if (!f || !stream_begin(c)) return fn();
  int fd = f->_fileno;
  int64_t before = pending_out(f);
  int err_before = ferror_unlocked(f);
  R r = fn();
  int e = errno;
  emit_flush(c, fd, before + took(r) - pending_out(f), !err_before && ferror_unlocked(f), e);
  errno = e;
  return r;
}

int64_t took_bytes(int64_t r) { return r; }            // wrappers that return bytes
int64_t took_int(int r) { return r > 0 ? r : 0; }      // fprintf family: chars written
int64_t took_char(int r) { return r == EOF ? 0 : 1; }  // fputc, putc, putchar
int64_t took_none(int) { return 0; }                   // fflush

// Input calls: `gave(r)` is the bytes the call delivered to the program.
template <class R, class F>
R traced_in(FILE* f, F&& fn, int64_t (*gave)(R)) {
  Call c;
  if (!f || !stream_begin(c)) return fn();
  int fd = f->_fileno;
  int64_t before = pending_in(f);
  int eof_before = feof_unlocked(f), err_before = ferror_unlocked(f);
  R r = fn();
  int e = errno;
  int64_t pulled = pending_in(f) + gave(r) - before;
  bool hit_eof = !eof_before && feof_unlocked(f);
  bool failed = !err_before && ferror_unlocked(f);
  // A read that hit end of file is recorded too: it may have missed a write.
  if (fd >= 0 && (pulled > 0 || hit_eof || failed)) {
    c.r.kind = AA_READ;
    int64_t got = pulled > 0 ? pulled : 0, asked = buffer_size(f);
    c.args(fd, asked > got ? asked : got, -1, 0);
    if (failed) c.r.err = e;
    call_end(c, failed ? -1 : got);
  }
  errno = e;
  return r;
}

int64_t gave_bytes(int64_t r) { return r; }
int64_t gave_char(int r) { return r == EOF ? 0 : 1; }
int64_t gave_line(ssize_t r) { return r > 0 ? r : 0; }

int open_flags(const char* mode) {
  int acc = O_RDONLY, extra = 0;
  switch (mode ? mode[0] : 'r') {
    case 'w': acc = O_WRONLY; extra = O_CREAT | O_TRUNC; break;
    case 'a': acc = O_WRONLY; extra = O_CREAT | O_APPEND; break;
    default: break;
  }
  for (const char* m = mode ? mode + 1 : ""; *m && *m != ','; ++m) {
    if (*m == '+') acc = O_RDWR;
    else if (*m == 'x') extra |= O_EXCL;
    else if (*m == 'e') extra |= O_CLOEXEC;
  }
  return acc | extra;
}

template <class F>
FILE* traced_fopen(const char* path, const char* mode, F&& fn) {
  Call c;
  int flags = open_flags(mode);
  call_begin(c, AA_OPEN, -1, AT_FDCWD, (flags & (O_CREAT | O_TRUNC)) ? path : nullptr);
  c.args(AT_FDCWD, flags, 0666);
  c.r.path = path;
  FILE* f = fn();
  int fd = f ? f->_fileno : -1;
  if (c.ts && !(f && fd < 0)) {  // a stream without an fd reached no file by name
    int e = errno;
    if (fd >= 0 && stat_fd(fd, c.st)) c.r.st = &c.st;
    call_end(c, fd);
    errno = e;
  }
  return f;
}

}  // namespace

AA_INTERCEPTOR(FILE*, fopen, (const char* path, const char* mode)) {
  return traced_fopen(path, mode, [&] { return REAL(fopen)(path, mode); });
}
AA_INTERCEPTOR(FILE*, fopen64, (const char* path, const char* mode)) {
  return traced_fopen(path, mode, [&] { return REAL(fopen64)(path, mode); });
}

// What fclose flushed, then the CLOSE (the stream is gone after the call).
AA_INTERCEPTOR(int, fclose, (FILE* f)) {
  Call c;
  if (!f || !stream_begin(c)) return REAL(fclose)(f);
  int fd = f->_fileno;
  int64_t pending = pending_out(f);
  int r = REAL(fclose)(f);
  int e = errno;
  emit_flush(c, fd, pending, r != 0 && pending > 0, e);
  Call cl;
  if (fd >= 0 && stream_begin(cl)) {
    cl.r.kind = AA_CLOSE;
    cl.args(fd);
    call_end(cl, r == 0 ? 0 : -1);
  }
  errno = e;
  return r;
}

AA_INTERCEPTOR(int, fflush, (FILE* f)) {
  if (!f) return REAL(fflush)(f);  // every stream at once: not attributable
  return traced_out<int>(f, [&] { return REAL(fflush)(f); }, took_none);
}

// Repositioning a stream writes out what it buffered first.
AA_INTERCEPTOR(int, fseek, (FILE* f, long off, int whence)) {
  return traced_out<int>(f, [&] { return REAL(fseek)(f, off, whence); }, took_none);
}
AA_INTERCEPTOR(int, fseeko, (FILE* f, off_t off, int whence)) {
  return traced_out<int>(f, [&] { return REAL(fseeko)(f, off, whence); }, took_none);
}
AA_INTERCEPTOR(int, fseeko64, (FILE* f, off64_t off, int whence)) {
  return traced_out<int>(f, [&] { return REAL(fseeko64)(f, off, whence); }, took_none);
}
AA_INTERCEPTOR(int, fsetpos, (FILE* f, const fpos_t* pos)) {
  return traced_out<int>(f, [&] { return REAL(fsetpos)(f, pos); }, took_none);
}
AA_INTERCEPTOR(int, fsetpos64, (FILE* f, const fpos64_t* pos)) {
  return traced_out<int>(f, [&] { return REAL(fsetpos64)(f, pos); }, took_none);
}
AA_INTERCEPTOR(void, rewind, (FILE* f)) {
  traced_out<int>(f, [&] { REAL(rewind)(f); return 0; }, took_none);
}

AA_INTERCEPTOR(size_t, fwrite, (const void* p, size_t size, size_t n, FILE* f)) {
  size_t r = 0;
  traced_out<int64_t>(f, [&] { r = REAL(fwrite)(p, size, n, f); return (int64_t)(r * size); }, took_bytes);
  return r;
}
AA_INTERCEPTOR(int, fputs, (const char* s, FILE* f)) {
  int r = 0;
  traced_out<int64_t>(f, [&] { r = REAL(fputs)(s, f); return r == EOF ? (int64_t)0 : (int64_t)strlen(s); },
                      took_bytes);
  return r;
}
AA_INTERCEPTOR(int, puts, (const char* s)) {
  int r = 0;
  traced_out<int64_t>(stdout, [&] { r = REAL(puts)(s); return r == EOF ? (int64_t)0 : (int64_t)strlen(s) + 1; },
                      took_bytes);
  return r;
}
// One character into a buffer with room (not a newline, which flushes a
// line-buffered stream) cannot reach the kernel: per-character loops stay
// as cheap as without the shim.
inline bool char_stays_buffered(int ch, FILE* f) { return f && ch != '\n' && f->_IO_write_ptr < f->_IO_write_end; }
AA_INTERCEPTOR(int, fputc, (int ch, FILE* f)) {
  if (char_stays_buffered(ch, f)) return REAL(fputc)(ch, f);
  return traced_out<int>(f, [&] { return REAL(fputc)(ch, f); }, took_char);
}
AA_INTERCEPTOR(int, putc, (int ch, FILE* f)) {
  if (char_stays_buffered(ch, f)) return REAL(putc)(ch, f);
  return traced_out<int>(f, [&] { return REAL(putc)(ch, f); }, took_char);
}
AA_INTERCEPTOR(int, putchar, (int ch)) {
  if (char_stays_buffered(ch, stdout)) return REAL(putchar)(ch);
  return traced_out<int>(stdout, [&] { return REAL(putchar)(ch); }, took_char);
}

AA_INTERCEPTOR(int, vfprintf, (FILE* f, const char* fmt, va_list ap)) {
  return traced_out<int>(f, [&] { return REAL(vfprintf)(f, fmt, ap); }, took_int);
}
AA_INTERCEPTOR(int, __vfprintf_chk, (FILE* f, int flag, const char* fmt, va_list ap)) {
  return traced_out<int>(f, [&] { return REAL(__vfprintf_chk)(f, flag, fmt, ap); }, took_int);
}
AA_INTERCEPTOR(int, vprintf, (const char* fmt, va_list ap)) {
  return traced_out<int>(stdout, [&] { return REAL(vprintf)(fmt, ap); }, took_int);
}
// The variadic ones forward to the va_list forms of the real library.
AA_INTERCEPTOR(int, fprintf, (FILE* f, const char* fmt, ...)) {
  va_list ap;
  va_start(ap, fmt);
  int r = traced_out<int>(f, [&] { return REAL(vfprintf)(f, fmt, ap); }, took_int);
  va_end(ap);
  return r;
}
AA_INTERCEPTOR(int, __fprintf_chk, (FILE* f, int flag, const char* fmt, ...)) {
  va_list ap;
  va_start(ap, fmt);
  int r = traced_out<int>(f, [&] { return REAL(__vfprintf_chk)(f, flag, fmt, ap); }, took_int);
  va_end(ap);
  return r;
}
AA_INTERCEPTOR(int, printf, (const char* fmt, ...)) {
  va_list ap;
  va_start(ap, fmt);
  int r = traced_out<int>(stdout, [&] { return REAL(vprintf)(fmt, ap); }, took_int);
  va_end(ap);
  return r;
}
AA_INTERCEPTOR(int, __printf_chk, (int flag, const char* fmt, ...)) {
  va_list ap;
  va_start(ap, fmt);
  int r = traced_out<int>(stdout, [&] { return REAL(__vfprintf_chk)(stdout, flag, fmt, ap); }, took_int);
  va_end(ap);
  return r;
}

// ---- input -------------------------------------------------------------------
AA_INTERCEPTOR(size_t, fread, (void* p, size_t size, size_t n, FILE* f)) {
  size_t r = 0;
  traced_in<int64_t>(f, [&] { r = REAL(fread)(p, size, n, f); return (int64_t)(r * size); }, gave_bytes);
  return r;
}
AA_INTERCEPTOR(char*, fgets, (char* s, int n, FILE* f)) {
  char* r = nullptr;
  traced_in<int64_t>(f, [&] { r = REAL(fgets)(s, n, f); return r ? (int64_t)strlen(r) : (int64_t)0; }, gave_bytes);
  return r;
}
// A character already buffered is delivered without a system call.
AA_INTERCEPTOR(int, fgetc, (FILE* f)) {
  if (f && pending_in(f) > 0) return REAL(fgetc)(f);
  return traced_in<int>(f, [&] { return REAL(fgetc)(f); }, gave_char);
}
AA_INTERCEPTOR(int, getc, (FILE* f)) {
  if (f && pending_in(f) > 0) return REAL(getc)(f);
  return traced_in<int>(f, [&] { return REAL(getc)(f); }, gave_char);
}
AA_INTERCEPTOR(ssize_t, getline, (char** line, size_t* cap, FILE* f)) {
  return traced_in<ssize_t>(f, [&] { return REAL(getline)(line, cap, f); }, gave_line);
}
AA_INTERCEPTOR(ssize_t, getdelim, (char** line, size_t* cap, int delim, FILE* f)) {
  return traced_in<ssize_t>(f, [&] { return REAL(getdelim)(line, cap, delim, f); }, gave_line);
}

// exit() flushes every stream after our destructor wrote EXIT: a child that
// prints its answer on a stdout pipe and exits hands it over only then
// (git pack-objects printing the pack name to git repack).  stdout's bytes
// still buffered now are recorded as that flush, just before EXIT.
// glibc's list of open streams and its lock (exported since 2.2.5; exit()
// walks the same list to flush them).
extern "C" FILE* _IO_list_all;
extern "C" void _IO_list_lock();
extern "C" void _IO_list_unlock();

// exit() flushes every open stream after our EXIT record is written: each
// one's pending bytes are recorded now as the WRITE that flush will make.
// Under the list's lock, so no other thread's fclose frees a stream we read.
void aa::stdio_exit_flush() {
  _IO_list_lock();
  for (FILE* f = _IO_list_all; f; f = f->_chain) {
    Call c;
    int64_t n = pending_out(f);
    if (n > 0 && f->_fileno >= 0 && stream_begin(c)) emit_flush(c, f->_fileno, n, false, 0);
  }
  _IO_list_unlock();
}
