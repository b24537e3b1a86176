// Settings from the environment, read once at start (see README.md).
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "shim.h"

namespace aa {

Config g_cfg;

namespace {

// "2ms", "500us", "100000ns", "1s", bare number = nanoseconds.
uint64_t parse_duration(const char* s) {
  char* end = nullptr;
  double v = strtod(s, &end);
  if (end == s || v < 0) return 0;
  double mult = 1;
  if (!strcmp(end, "ms")) mult = 1e6;
  else if (!strcmp(end, "us")) mult = 1e3;
  else if (!strcmp(end, "ns") || !*end) mult = 1;
  else if (!strcmp(end, "s")) mult = 1e9;
  else return 0;
  return (uint64_t)(v * mult);
}

uint32_t parse_kinds(const char* s) {
  uint32_t mask = 0;
  char buf[256];
  strncpy(buf, s, sizeof buf - 1);
  buf[sizeof buf - 1] = 0;
  for (char* tok = strtok(buf, ", "); tok; tok = strtok(nullptr, ", ")) {
    if (!strcmp(tok, "write")) mask |= 1u << AA_CLASS_WRITE;
    else if (!strcmp(tok, "read")) mask |= 1u << AA_CLASS_READ;
    else if (!strcmp(tok, "stat")) mask |= 1u << AA_CLASS_STAT;
    else if (!strcmp(tok, "sync")) mask |= 1u << AA_CLASS_SYNCFILE;
    else if (!strcmp(tok, "namespace")) mask |= 1u << AA_CLASS_NAMESPACE;
    else if (!strcmp(tok, "all"))
      mask |= (1u << AA_CLASS_WRITE) | (1u << AA_CLASS_READ) | (1u << AA_CLASS_STAT) |
              (1u << AA_CLASS_SYNCFILE) | (1u << AA_CLASS_NAMESPACE);
  }
  return mask;
}

}  // namespace

bool exe_excluded(const char* exe) {
  const char* globs = getenv("AWAITAUDIT_EXCLUDE");
  if (!globs || !*globs) return false;
  const char* base = strrchr(exe, '/');
  base = base ? base + 1 : exe;
  char pat[256];
  for (const char* p = globs; *p;) {
    const char* colon = strchr(p, ':');
    size_t n = colon ? (size_t)(colon - p) : strlen(p);
    if (n && n < sizeof pat) {
      memcpy(pat, p, n);
      pat[n] = 0;
      if (fnmatch(pat, base, 0) == 0) return true;
    }
    if (!colon) break;
    p = colon + 1;
  }
  return false;
}

void config_load() {
  memset(&g_cfg, 0, sizeof g_cfg);
  const char* off = getenv("AWAITAUDIT_OFF");
  if ((off && *off && strcmp(off, "0") != 0) || getauxval(AT_SECURE)) g_cfg.off = true;

  const char* dir = getenv("AWAITAUDIT_DIR");
  if (!dir || !*dir) dir = "awaitaudit-logs";
  // Made absolute so children that chdir elsewhere log to the same place.
  if (dir[0] == '/') {
    strncpy(g_cfg.dir, dir, sizeof g_cfg.dir - 1);
  } else {
    char cwd[1024];
    if (AA_RAW(getcwd, (long)cwd, sizeof cwd) <= 0) cwd[0] = 0;
    size_t cl = strlen(cwd), dl = strlen(dir);
    if (cl + dl + 2 <= sizeof g_cfg.dir) {
      memcpy(g_cfg.dir, cwd, cl);
      g_cfg.dir[cl] = '/';
      memcpy(g_cfg.dir + cl + 1, dir, dl + 1);
    } else {
      g_cfg.off = true;
    }
  }

  const char* stacks = getenv("AWAITAUDIT_STACKS");
  if (stacks && *stacks) {
    long d = strtol(stacks, nullptr, 10);
    g_cfg.stack_depth = d <= 0 ? 0 : d == 1 ? 32 : d > AA_MAX_STACK_DEPTH ? AA_MAX_STACK_DEPTH : (uint32_t)d;
  }

  g_cfg.chunk_size = AA_DEFAULT_CHUNK_SIZE;
  if (const char* cs = getenv("AWAITAUDIT_CHUNK_SIZE")) {
    unsigned long v = strtoul(cs, nullptr, 0);
    if (v >= 65536 && v <= (1ul << 30)) g_cfg.chunk_size = (uint32_t)((v + 4095) & ~4095ul);
  }

  if (const char* d = getenv("AWAITAUDIT_DELAY")) g_cfg.delay_ns = parse_duration(d);
  g_cfg.delay_prob = 1.0;
  if (const char* p = getenv("AWAITAUDIT_DELAY_PROB")) {
    double v = strtod(p, nullptr);
    g_cfg.delay_prob = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  g_cfg.delay_seed = 1;
  if (const char* s = getenv("AWAITAUDIT_DELAY_SEED")) g_cfg.delay_seed = strtoull(s, nullptr, 0);
  g_cfg.delay_class_mask = 1u << AA_CLASS_WRITE;
  if (const char* k = getenv("AWAITAUDIT_DELAY_KINDS")) g_cfg.delay_class_mask = parse_kinds(k);
  if (const char* f = getenv("AWAITAUDIT_DELAY_SITES"))
    strncpy(g_cfg.delay_sites_file, f, sizeof g_cfg.delay_sites_file - 1);
  const char* clock = getenv("AWAITAUDIT_CLOCK");
  g_cfg.vdso_clock = clock && strcmp(clock, "vdso") == 0;
}

}  // namespace aa
