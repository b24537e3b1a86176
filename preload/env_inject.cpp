// The environment handed to exec/posix_spawn: the program's own envp plus
// LD_PRELOAD (our library first, when missing) and the AWAITAUDIT_* settings
// this process started with, so tracing follows every child even when a
// program builds its own environment (as uftrace's libmcount/wrap.c does).
// Variables the program set itself in envp win; AWAITAUDIT_MARKER_FD is
// never passed on (each process opens its own).
#include <dlfcn.h>
#include <string.h>
#include <sys/mman.h>

#include "shim.h"

extern char** environ;

namespace aa {
namespace {

char g_lib[2048];          // path of libawaitaudit.so as loaded
char g_saved[16384];       // "AWAITAUDIT_X=v\0..." captured at start
size_t g_saved_len;
int g_saved_count;

bool has_prefix(const char* s, const char* p) {
  while (*p)
    if (*s++ != *p++) return false;
  return true;
}
size_t name_len(const char* kv) {
  size_t n = 0;
  while (kv[n] && kv[n] != '=') ++n;
  return n;
}
bool same_name(const char* a, const char* b) {
  size_t n = name_len(a);
  return n == name_len(b) && !memcmp(a, b, n);
}

// Is our library named in an LD_PRELOAD value (entries split by ':' or ' ')?
bool preload_has_us(const char* v) {
  const char* base = strrchr(g_lib, '/');
  base = base ? base + 1 : g_lib;
  size_t bl = cstrlen(base);
  while (*v) {
    const char* e = v;
    while (*e && *e != ':' && *e != ' ') ++e;
    const char* b = v;
    for (const char* q = v; q < e; ++q)
      if (*q == '/') b = q + 1;
    if ((size_t)(e - b) == bl && !memcmp(b, base, bl)) return true;
    v = *e ? e + 1 : e;
  }
  return false;
}

}  // namespace

void env_capture() {
  Dl_info info;
  if (dladdr((void*)&env_capture, &info) && info.dli_fname) {
    const char* f = info.dli_fname;
    size_t used = 0;
    if (f[0] != '/') {  // relative LD_PRELOAD: children may run elsewhere
      if (AA_RAW(getcwd, (long)g_lib, sizeof g_lib - 1) > 0) {
        used = cstrlen(g_lib);
        g_lib[used++] = '/';
      }
    }
    size_t fl = cstrlen(f);
    if (used + fl < sizeof g_lib) memcpy(g_lib + used, f, fl + 1);
  }
  g_saved_len = 0;
  g_saved_count = 0;
  for (char** e = environ; e && *e; ++e) {
    if (!has_prefix(*e, "AWAITAUDIT_") || has_prefix(*e, "AWAITAUDIT_MARKER_FD=") ||
        has_prefix(*e, "AWAITAUDIT_PARENT_LOG_ID="))
      continue;
    size_t l = cstrlen(*e) + 1;
    if (g_saved_len + l > sizeof g_saved) break;
    memcpy(g_saved + g_saved_len, *e, l);
    g_saved_len += l;
    ++g_saved_count;
  }
}

char* const* env_for_exec(char* const* envp) {
  size_t n = 0, bytes = 0;
  for (char* const* e = envp; e && *e; ++e, ++n) bytes += cstrlen(*e) + 1;
  size_t slots = n + (size_t)g_saved_count + 4;
  size_t total = slots * sizeof(char*) + bytes + g_saved_len + cstrlen(g_lib) + 64 + 64;
  total = (total + 4095) & ~size_t(4095);
  long mem = AA_RAW(mmap, 0, (long)total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem < 0 && mem > -4096) return envp;
  char** out = (char**)mem;
  char* str = (char*)mem + slots * sizeof(char*);
  size_t k = 0;
  bool preload_seen = false;
  for (char* const* e = envp; e && *e; ++e) {
    if (has_prefix(*e, "AWAITAUDIT_MARKER_FD=") || has_prefix(*e, "AWAITAUDIT_PARENT_LOG_ID=")) continue;
    if (has_prefix(*e, "LD_PRELOAD=")) {
      preload_seen = true;
      const char* v = *e + 11;
      if (!preload_has_us(v) && g_lib[0]) {
        out[k++] = str;
        memcpy(str, "LD_PRELOAD=", 11); str += 11;
        size_t ll = cstrlen(g_lib);
        memcpy(str, g_lib, ll); str += ll;
        if (*v) *str++ = ':';
        size_t vl = cstrlen(v);
        memcpy(str, v, vl + 1); str += vl + 1;
        continue;
      }
    }
    out[k++] = *e;
  }
  if (!preload_seen && g_lib[0]) {
    out[k++] = str;
    memcpy(str, "LD_PRELOAD=", 11); str += 11;
    size_t ll = cstrlen(g_lib);
    memcpy(str, g_lib, ll + 1); str += ll + 1;
  }
  for (size_t off = 0; off < g_saved_len; off += cstrlen(g_saved + off) + 1) {
    const char* kv = g_saved + off;
    bool present = false;
    for (size_t i = 0; i < k && !present; ++i) present = same_name(out[i], kv);
    if (!present) out[k++] = (char*)kv;
  }
  if (log_id()) {
    out[k++] = str;
    const char* pfx = "AWAITAUDIT_PARENT_LOG_ID=";
    size_t pl = cstrlen(pfx);
    memcpy(str, pfx, pl); str += pl;
    uint64_t v = log_id();
    char tmp[16];
    int d = 0;
    do { tmp[d++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
    while (d) *str++ = tmp[--d];
    *str++ = 0;
  }
  out[k] = nullptr;
  return out;
}

}  // namespace aa
