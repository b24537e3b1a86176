// awaitaudit log format, version 4 (readers also take versions 1 to 3:
// 3 has no address records, 2 no tiny ones either, and 1 no compact ones).  Owned by preload/, read by analyzer/.
// Documented in preload/LOG_FORMAT.md; change both together and bump
// AA_LOG_VERSION on any incompatible change.
//
// One file per process.  Layout:
//   [0, AA_HEADER_SIZE)           aa_file_header + string blob (exe, cwd, argv)
//   [AA_HEADER_SIZE + k*chunk, …) chunk k: aa_chunk_header, then records
// A thread claims a whole chunk (atomic bump of header.chunks_claimed), writes
// records into it through a MAP_SHARED mapping, and claims another when full.
// Records are published by storing `kind` last (release), so a SIGKILL leaves
// only whole records visible: kind == 0 with size != 0 is an unfinished
// record (skip it), size == 0 ends the chunk.
//
// Plain C layout so the shim (C++ without libstdc++ on the hot path) and the
// analyzer share it byte for byte.  Little-endian x86-64 only.
#pragma once
#include <stdint.h>

#define AA_LOG_MAGIC "AWAITLOG"
#define AA_LOG_VERSION 4u
#define AA_LOG_VERSION_MIN 1u  /* oldest version readers still take */
#define AA_HEADER_SIZE 65536u
#define AA_DEFAULT_CHUNK_SIZE (2u << 20)  /* one huge page: see log_writer.cpp */
#define AA_CHUNK_MAGIC 0x4b4e4843u /* "CHNK" */
#define AA_MAX_STACK_DEPTH 64
#define AA_LOG_SUFFIX ".aalog"

// Record kinds: X(ENUM, "name", CLASS, "arg0,arg1,...")
// CLASS groups kinds for the analyzer; the arg names drive `awaitaudit dump`
// (strace-style: the table decodes, the code stays generic).  Unused args are
// 0.  "-" marks an arg slot that is not printed.  Offsets are -1 when the call
// uses (and moves) the file position.
#define AA_KINDS(X)                                                                     \
  /* files: descriptors */                                                              \
  X(OPEN, "open", FD, "dirfd,flags,mode")               /* path; stat of new fd */      \
  X(CLOSE, "close", FD, "fd")                                                           \
  X(CLOSE_RANGE, "close_range", FD, "first,last,flags")                                 \
  X(DUP, "dup", FD, "oldfd,newfd,flags")                /* ret = new fd */              \
  X(FCNTL, "fcntl", FD, "fd,cmd,arg")                   /* DUPFD*, SETFD, SETFL */      \
  X(CHDIR, "chdir", FD, "fd")                           /* path, or fd for fchdir */    \
  /* files: data */                                                                     \
  X(WRITE, "write", WRITE, "fd,count,offset,iovcnt")                                    \
  X(PWRITE, "pwrite", WRITE, "fd,count,offset,iovcnt")                                  \
  X(WRITEV, "writev", WRITE, "fd,count,offset,iovcnt")   /* count = sum of iov_len */   \
  X(PWRITEV, "pwritev", WRITE, "fd,count,offset,iovcnt,flags")                          \
  X(READ, "read", READ, "fd,count,offset,iovcnt")                                       \
  X(PREAD, "pread", READ, "fd,count,offset,iovcnt")                                     \
  X(READV, "readv", READ, "fd,count,offset,iovcnt")                                     \
  X(PREADV, "preadv", READ, "fd,count,offset,iovcnt,flags")                             \
  X(LSEEK, "lseek", FD, "fd,offset,whence")                                             \
  X(FTRUNCATE, "ftruncate", WRITE, "fd,length")                                         \
  X(TRUNCATE, "truncate", WRITE, "-,length")            /* path */                      \
  X(FALLOCATE, "fallocate", WRITE, "fd,mode,offset,length")                             \
  X(COPY_FILE_RANGE, "copy_file_range", WRITE, "fd_in,off_in,fd_out,off_out,length,flags") \
  X(SENDFILE, "sendfile", WRITE, "out_fd,in_fd,offset,count")                           \
  /* files: metadata and ordering */                                                    \
  X(STAT, "stat", STAT, "dirfd,flags")                  /* path (may be ""); stat */    \
  X(FSTAT, "fstat", STAT, "fd")                         /* stat */                      \
  X(STATX, "statx", STAT, "dirfd,flags,mask")           /* path; stat */                \
  X(FSYNC, "fsync", SYNCFILE, "fd")                                                     \
  X(FDATASYNC, "fdatasync", SYNCFILE, "fd")                                             \
  X(SYNC_FILE_RANGE, "sync_file_range", SYNCFILE, "fd,offset,nbytes,flags")             \
  X(SYNCFS, "syncfs", SYNCFILE, "fd")                                                   \
  X(RENAME, "rename", NAMESPACE, "olddirfd,newdirfd,flags") /* path, path2 */           \
  X(LINK, "link", NAMESPACE, "olddirfd,newdirfd,flags")     /* path, path2 */           \
  X(SYMLINK, "symlink", NAMESPACE, "-,newdirfd")            /* path=target, path2 */    \
  X(UNLINK, "unlink", NAMESPACE, "dirfd,flags")             /* path */                  \
  X(MKDIR, "mkdir", NAMESPACE, "dirfd,mode")                /* path */                  \
  X(MMAP, "mmap", FD, "fd,length,prot,flags,offset")   /* only file-backed, shared */  \
  /* channels (their reads and writes use READ/WRITE kinds) */                          \
  X(PIPE, "pipe", CHANNEL, "rfd,wfd,flags")                                             \
  X(EVENTFD, "eventfd", CHANNEL, "initval,flags")       /* ret = fd */                  \
  X(SOCKETPAIR, "socketpair", CHANNEL, "fd0,fd1,domain,type")                           \
  X(SOCKET, "socket", CHANNEL, "domain,type,protocol")  /* ret = fd */                  \
  /* synchronisation */                                                                 \
  X(THREAD_CREATE, "pthread_create", SYNC, "spawn_id,pthread")                          \
  X(THREAD_START, "thread_start", SYNC, "spawn_id,creator_tid,pthread")                 \
  X(THREAD_EXIT, "thread_exit", SYNC, "spawn_id,pthread")                               \
  X(THREAD_JOIN, "pthread_join", SYNC, "pthread")                                       \
  X(FUTEX, "futex", SYNC, "uaddr,op,val,uaddr2,val3,val2") /* val2 = timeout arg */  \
  X(MUTEX_LOCK, "mutex_lock", SYNC, "mutex,try")        /* recorded on success */      \
  X(MUTEX_UNLOCK, "mutex_unlock", SYNC, "mutex")                                        \
  X(COND_SIGNAL, "cond_signal", SYNC, "cond")                                           \
  X(COND_BROADCAST, "cond_broadcast", SYNC, "cond")                                     \
  X(COND_WAIT, "cond_wait", SYNC, "cond,mutex,timed")                                   \
  X(SEM_POST, "sem_post", SYNC, "sem")                                                  \
  X(SEM_WAIT, "sem_wait", SYNC, "sem,try")                                              \
  X(EPOLL_WAIT, "epoll_wait", SYNC, "epfd,maxevents,timeout")                           \
  X(POLL, "poll", SYNC, "nfds,timeout")                                                 \
  /* process structure */                                                               \
  X(FORK, "fork", PROC, "vfork")                        /* ret = child pid */           \
  X(EXECVE, "execve", PROC, "attempt")                  /* path; written before exec */ \
  X(SPAWN, "posix_spawn", PROC, "-,pid")                /* path; ret = errno-style */   \
  X(EXIT, "exit", PROC, "status,how")                   /* how: 0 exit, 1 _exit, 2 dtor */ \
  X(WAITPID, "waitpid", PROC, "pid,options")            /* ret = reaped pid */          \
  X(IO_URING_SETUP, "io_uring_setup", PROC, "entries")  /* invisible I/O warning */     \
  /* meta: not calls */                                                                 \
  X(MAPS, "maps", META, "reason")                       /* path = /proc/self/maps text */ \
  X(STACK, "stack", META, "stack_id,depth")             /* payload: depth u64 IPs */    \
  X(DLOPEN, "dlopen", META, "flags")                    /* path */                      \
  X(MARKER, "marker", META, "type,request_id")          /* path = adapter JSON text */  \
  X(THREAD_NAME, "thread_name", META, "-")              /* path = name */                \
  /* appended (numbers above stay): libc's own spawns, invisible otherwise */           \
  X(SHELL, "shell", PROC, "how")                        /* path = command; how: 0 system, 1 popen; ret = status or stream */ \
  X(SHELL_WAIT, "shell_wait", PROC, "how,stream")       /* system() returned (how 0), pclose (how 1) */ \
  X(ACCESS, "access", STAT, "dirfd,mode,flags")         /* path; an existence check, no stat */ \
  X(AIO, "aio", PROC, "fd,count,offset,op")             /* POSIX AIO request: invisible I/O warning */

enum aa_kind {
  AA_KIND_NONE = 0,
#define AA_X(e, n, c, a) AA_##e,
  AA_KINDS(AA_X)
#undef AA_X
  AA_KIND_COUNT
};

// Classes of AA_KINDS rows.
enum aa_class { AA_CLASS_FD, AA_CLASS_WRITE, AA_CLASS_READ, AA_CLASS_STAT, AA_CLASS_SYNCFILE,
                AA_CLASS_NAMESPACE, AA_CLASS_CHANNEL, AA_CLASS_SYNC, AA_CLASS_PROC, AA_CLASS_META };

// Record flags.
#define AA_F_STAT   0x0001u  // an aa_stat follows the fixed part
#define AA_F_PATH   0x0002u  // a NUL-terminated path follows (after stat if any)
#define AA_F_PATH2  0x0004u  // a second NUL-terminated path follows path
#define AA_F_DATA   0x0008u  // raw payload (STACK ips) follows; length = size - fixed
#define AA_F_PENDING 0x0010u // written before the call (execve); t_exit == t_enter
#define AA_F_TRUNC  0x0020u  // a path or payload was truncated to fit
#define AA_F_DELAYED 0x0040u // perturbation slept before this call ran
#define AA_F_COMPACT 0x0080u // (version 2) the fixed part is an aa_record_compact
#define AA_F_TINY   0x0100u  // (version 3) the fixed part is an aa_record_tiny
#define AA_F_A2_NEG 0x0200u  // (version 3, tiny only) a[2] is -1 (else 0)
#define AA_F_ADDR   0x0400u  // (version 4) the fixed part is an aa_record_addr

// Header flags (aa_file_header.flags).
#define AA_HDR_CLEAN  0x1u   // process ended through exit/_exit/destructor
#define AA_HDR_EXECED 0x2u   // this image was replaced by a successful-looking execve

typedef struct aa_file_header {
  char magic[8];              // AA_LOG_MAGIC, no NUL
  uint32_t version;           // AA_LOG_VERSION
  uint32_t header_size;       // AA_HEADER_SIZE
  uint32_t chunk_size;        // bytes per chunk, chunk header included
  uint32_t flags;             // bit0: process ended through exit/destructor (clean)
  uint64_t chunks_claimed;    // atomic; chunks in use (some may be empty)
  int32_t pid, ppid;
  uint64_t start_mono_ns;     // CLOCK_MONOTONIC at shim start (all record times use it)
  uint64_t start_real_ns;     // CLOCK_REALTIME at the same moment
  uint32_t clock_id;          // CLOCK_MONOTONIC (1)
  uint32_t argc;
  uint32_t exe_off, exe_len;  // into this header block: strings, NUL-terminated
  uint32_t cwd_off, cwd_len;
  uint32_t argv_off, argv_len;// argc NUL-separated strings
  uint64_t parent_log_id;     // for fork children: parent's log id (0 = none)
  uint64_t log_id;            // random-ish id unique to this log
  uint32_t stack_depth;       // 0 = stacks off
  uint32_t records_dropped;   // atomic; records the log had no room for (disk full); 0 before version 4
  uint32_t reserved[30];
} aa_file_header;

typedef struct aa_chunk_header {
  uint32_t magic;             // AA_CHUNK_MAGIC
  int32_t tid;                // owning kernel thread id
  uint64_t base_ns;           // (version 3) tiny records' t_enter is relative to this; 0 before
} aa_chunk_header;             // records start right after, 8-byte aligned

typedef struct aa_record {
  uint32_t size;              // whole record in bytes, multiple of 8; 0 = end of chunk
  uint16_t kind;              // enum aa_kind; stored last; 0 = unfinished
  uint16_t flags;             // AA_F_*
  int32_t tid;                // kernel thread id
  uint32_t stack_id;          // 0 = none; else refers to a STACK record in this log
  uint64_t t_enter;           // CLOCK_MONOTONIC ns
  uint64_t t_exit;            // CLOCK_MONOTONIC ns
  int64_t ret;                // raw return value (0/-1 style calls as libc returns)
  int32_t err;                // errno after the call when it failed, else 0
  uint32_t seq;               // per-thread sequence number (gaps = lost records)
  int64_t a[6];               // arguments, per AA_KINDS row
} aa_record;                  // 96 bytes

// The fixed part for calls whose arguments fit 32 bits (a[4] and a[5] zero)
// and that took under 2^32 ns: most reads, writes, fstats and closes.
// tid is the chunk's, t_exit = t_enter + t_dur.  The same trailer rules as
// aa_record (stat, data, paths) apply after it.  56 bytes instead of 96: the
// log's page cache is the largest kernel cost the shim adds.
typedef struct aa_record_compact {
  uint32_t size;              // as aa_record
  uint16_t kind;              // as aa_record; stored last
  uint16_t flags;             // AA_F_COMPACT | AA_F_*
  uint32_t seq;               // as aa_record
  uint32_t stack_id;          // as aa_record
  uint64_t t_enter;           // as aa_record
  uint32_t t_dur;             // t_exit - t_enter
  int32_t err;                // as aa_record
  int64_t ret;                // as aa_record
  int32_t a[4];               // a[0..3] sign-extended; a[4] = a[5] = 0
} aa_record_compact;          // 56 bytes

// (version 3) The fixed part for the commonest calls: no stack, no error,
// ret, a[0] and a[1] in 32 bits, a[2] 0 or -1 (AA_F_A2_NEG), a[3..5] zero,
// and t_enter within 2^32 ns after the chunk header's base_ns: a write,
// read, fstat or close on a thread that records often.  tid is the chunk's,
// t_enter = base_ns + t_delta, t_exit = t_enter + t_dur, err = stack_id = 0.
// The same trailer rules (stat, data, paths) apply after it.  32 bytes: the
// log's page cache, which the kernel zeroes page by page, is most of what
// the shim costs a program that makes many small calls.
typedef struct aa_record_tiny {
  uint32_t size;              // as aa_record
  uint16_t kind;              // as aa_record; stored last
  uint16_t flags;             // AA_F_TINY | AA_F_A2_NEG? | AA_F_*
  uint32_t seq;               // as aa_record
  uint32_t t_delta;           // t_enter - chunk base_ns
  uint32_t t_dur;             // t_exit - t_enter
  int32_t ret;                // sign-extended
  int32_t a[2];               // a[0..1] sign-extended
} aa_record_tiny;             // 32 bytes

// (version 4) The fixed part for calls on an address: the tiny record's
// conditions, but a[0] whole (a mutex, condition variable, semaphore or
// futex word) and a[1], a[2] in 32 bits each.  The same first 16 bytes as
// aa_record_tiny.  40 bytes instead of 96: a program's lock and semaphore
// traffic is most of its log, and on this VM fresh log memory costs about
// 1 ns a byte to hand out.
typedef struct aa_record_addr {
  uint32_t size;              // as aa_record
  uint16_t kind;              // as aa_record; stored last
  uint16_t flags;             // AA_F_ADDR | AA_F_*
  uint32_t seq;               // as aa_record
  uint32_t t_delta;           // t_enter - chunk base_ns
  uint32_t t_dur;             // t_exit - t_enter
  int32_t ret;                // sign-extended
  uint64_t a0;                // a[0], all 64 bits
  int32_t a[2];               // a[1..2] sign-extended; a[3..5] = 0
} aa_record_addr;             // 40 bytes

typedef struct aa_stat {
  uint64_t dev;               // makedev(major, minor)
  uint64_t ino;
  int64_t size;
  uint32_t mode;
  uint32_t nlink;
  int64_t mtime_ns;
  int64_t btime_ns;           // statx birth time; 0 when unknown
} aa_stat;                    // 48 bytes

#ifdef __cplusplus
static_assert(sizeof(aa_record) == 96, "aa_record layout");
static_assert(sizeof(aa_record_compact) == 56, "aa_record_compact layout");
static_assert(sizeof(aa_record_tiny) == 32, "aa_record_tiny layout");
static_assert(sizeof(aa_record_addr) == 40, "aa_record_addr layout");
static_assert(__builtin_offsetof(aa_record_addr, t_delta) == __builtin_offsetof(aa_record_tiny, t_delta) &&
                  __builtin_offsetof(aa_record_addr, seq) == __builtin_offsetof(aa_record_tiny, seq),
              "readers take seq and t_delta from one place");
static_assert(sizeof(aa_stat) == 48, "aa_stat layout");
static_assert(sizeof(aa_chunk_header) == 16, "aa_chunk_header layout");
static_assert(sizeof(aa_file_header) <= 4096, "aa_file_header fits its page");
#endif
