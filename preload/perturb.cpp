// Perturbation: sleep before chosen calls on regular files so helper threads
// lose the races they usually win (DESIGN.md §6).  Decisions come from a
// per-thread PRNG seeded by (AWAITAUDIT_DELAY_SEED, thread spawn order), so a
// seed replays the same decisions for the same per-thread call sequence.
// Targeted mode (AWAITAUDIT_DELAY_SITES) delays only calls whose stack holds
// one of the listed call sites.
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shim.h"

namespace aa {

uint32_t g_perturb_mask;

namespace {

const uint8_t kClassOf[] = {
    0,
#define AA_X(e, n, c, a) AA_CLASS_##c,
    AA_KINDS(AA_X)
#undef AA_X
};

struct Site {
  char module[512];
  uint64_t offset;
  uint64_t addr;  // resolved absolute address; 0 = module not loaded (yet)
};
constexpr int kMaxSites = 256;
Site g_sites[kMaxSites];
int g_nsites;
bool g_targeted;
char g_exe[1024];

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

const char* base_name(const char* p) {
  const char* b = strrchr(p, '/');
  return b ? b + 1 : p;
}

bool module_matches(const char* want, const char* have) {
  if (!*have) return false;
  return !strcmp(want, have) || !strcmp(base_name(want), base_name(have));
}

int resolve_sites(struct dl_phdr_info* info, size_t, void*) {
  const char* name = info->dlpi_name && *info->dlpi_name ? info->dlpi_name : g_exe;
  for (int i = 0; i < g_nsites; ++i)
    if (!g_sites[i].addr && module_matches(g_sites[i].module, name))
      g_sites[i].addr = info->dlpi_addr + g_sites[i].offset;
  return 0;
}

void load_sites(const char* file) {
  FILE* f = fopen(file, "re");
  g_targeted = true;  // even an unreadable/empty file means "delay only listed sites"
  if (!f) return;
  char line[1024];
  while (g_nsites < kMaxSites && fgets(line, sizeof line, f)) {
    char mod[512];
    unsigned long long off;
    if (line[0] == '#') continue;
    if (sscanf(line, "%511s %llx", mod, &off) != 2) continue;
    Site& s = g_sites[g_nsites++];
    strcpy(s.module, mod);
    s.offset = off;
    s.addr = 0;
  }
  fclose(f);
}

// `creating`: an open with O_CREAT/O_TRUNC, whose file may not exist yet.
bool regular_file(int fd, int dirfd, const char* path, bool creating) {
  struct stat st;
  long r;
  if (fd >= 0) r = AA_RAW(fstat, fd, (long)&st);
  else if (path) r = AA_RAW(newfstatat, dirfd, (long)path, (long)&st, 0);
  else return false;
  if (creating && r == -ENOENT) return true;
  return r == 0 && S_ISREG(st.st_mode);
}

bool stack_hits_site(const uint64_t* ips, int depth) {
  for (int i = 0; i < depth; ++i)
    for (int s = 0; s < g_nsites; ++s)
      if (g_sites[s].addr && g_sites[s].addr == ips[i]) return true;
  return false;
}

}  // namespace

void perturb_init() {
  if (!g_cfg.delay_ns) return;
  long n = AA_RAW(readlink, (long)"/proc/self/exe", (long)g_exe, sizeof g_exe - 1);
  g_exe[n > 0 ? n : 0] = 0;
  if (g_cfg.delay_sites_file[0]) {
    load_sites(g_cfg.delay_sites_file);
    dl_iterate_phdr(resolve_sites, nullptr);
  }
  g_perturb_mask = g_cfg.delay_class_mask;
}

void perturb_after_dlopen() {
  if (g_targeted) dl_iterate_phdr(resolve_sites, nullptr);
}

uint16_t perturb_before(ThreadState& ts, aa_kind kind, int fd, int dirfd, const char* path,
                        uint64_t* ips, int* depth) {
  // A creating open (the interceptor passes its path only then) makes or
  // empties the file: for delays it is a write, so confirmation runs can
  // settle suspects against File::create-style offloaded opens too.
  bool creating = kind == AA_OPEN && path;
  uint8_t cls = creating ? (uint8_t)AA_CLASS_WRITE : kClassOf[kind];
  if (!(g_perturb_mask & (1u << cls))) return 0;
  if (!regular_file(fd, dirfd, path, creating)) return 0;
  if (g_targeted) {
    if (*depth < 0) *depth = stack_capture(ts, ips, AA_MAX_STACK_DEPTH);
    if (!stack_hits_site(ips, *depth)) return 0;
  }
  if (!ts.rng_seeded) {
    ts.rng = g_cfg.delay_seed * 0x2545f4914f6cdd1dull + ts.spawn_id;
    splitmix(ts.rng);
    ts.rng_seeded = 1;
  }
  double u = (double)(splitmix(ts.rng) >> 11) * (1.0 / 9007199254740992.0);
  if (u >= g_cfg.delay_prob) return 0;
  struct timespec d = {(time_t)(g_cfg.delay_ns / 1000000000ull), (long)(g_cfg.delay_ns % 1000000000ull)};
  AA_RAW(nanosleep, (long)&d, 0);
  return AA_F_DELAYED;
}

}  // namespace aa
