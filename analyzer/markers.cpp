#include "markers.h"

#include <fcntl.h>

#include <cerrno>
#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace aa {
namespace {

// One syscall event, named the same way by the reader's Event and the
// findings' EvCopy.
struct EvKey {
  uint32_t proc;
  int32_t tid;
  uint64_t t;
  int kind;
  bool operator==(const EvKey&) const = default;
};
struct EvKeyHash {
  size_t operator()(const EvKey& k) const {
    return std::hash<uint64_t>()(k.t * 0x9e3779b97f4a7c15ull ^ (uint64_t(k.proc) << 40) ^ (uint64_t(k.tid) << 8) ^
                                 uint64_t(k.kind));
  }
};
EvKey key_of(const EvCopy& e) { return {e.proc, e.tid, e.t_enter, int(e.kind)}; }

// Pending adapter sites kept per thread (a site normally meets its write at once).
constexpr size_t kSitesPerThread = 64;

double us(uint64_t a, uint64_t b) { return (double(a) - double(b)) / 1000.0; }

bool creating_open(const Event& e) { return e.kind == AA_OPEN && e.ret >= 0 && (e.a[1] & (O_CREAT | O_TRUNC)); }

// The conflict name when B can observe or order a file, else nullptr.
const char* conflict_of(aa_kind k) {
  switch (kind_class(k)) {
    case AA_CLASS_STAT: return "stat";
    case AA_CLASS_READ: return "read";
    case AA_CLASS_SYNCFILE: return "fsync";
    case AA_CLASS_WRITE: return "write";
    default: break;
  }
  if (k == AA_OPEN) return "open";
  if (k == AA_RENAME) return "rename";
  if (k == AA_UNLINK) return "unlink";
  return nullptr;
}

}  // namespace

struct MarkerAnalysis::Impl {
  struct Request {
    uint64_t id = 0;
    uint32_t proc = 0;
    int32_t tid = 0;
    bool job = false;  // an executor job: its paths are those its writes touch
    Marker m;
    EvCopy ev;
    std::optional<EvCopy> delivered;
    std::string delivered_api;
    std::vector<size_t> effects;  // into effects_
  };
  struct Effect {
    EvCopy ev;
    std::string path;
  };
  struct ObserveMark {
    uint64_t group = 0;
    std::string path;
    Frame frame;
  };
  struct Candidate {
    EvCopy b;
    std::string path;
    const char* conflict = nullptr;
    uint64_t group = 0;
  };
  struct ExitObs {
    uint32_t proc = 0;
    int32_t tid = 0;
    EvCopy marker;
    std::vector<uint64_t> pending;
    std::optional<Frame> frame;
    std::optional<EvCopy> exit_rec;
  };
  struct Proc {
    std::string cwd;
    std::unordered_map<int64_t, std::string> fds;
    std::unordered_map<uint64_t, size_t> req_by_id;
    std::unordered_map<std::string, std::vector<size_t>> reqs_by_path;
    std::unordered_map<int32_t, uint64_t> job_on_tid;
    std::unordered_map<int32_t, std::vector<std::pair<std::string, Frame>>> sites;  // per tid, pending
    std::unordered_map<int32_t, ObserveMark> observe;                                // per tid, latest
    std::unordered_map<int32_t, int> undelivered;                                    // per origin tid
    std::vector<size_t> exits_waiting;  // exit markers still looking for the EXIT record
  };

  std::vector<Proc> procs;
  std::vector<Request> requests;
  std::vector<Effect> effects;
  std::vector<Candidate> candidates;
  std::vector<ExitObs> exits;
  std::unordered_set<EvKey, EvKeyHash> effect_keys;
  std::unordered_map<EvKey, Frame, EvKeyHash> user_frames;
  uint64_t bad = 0, seen = 0, next_group = 1;

  std::string resolve(uint32_t proc, const Event& e, std::string_view p, int64_t dirfd) {
    if (p.empty()) return {};
    if (p.front() == '/') return std::string(p);
    if (dirfd != AT_FDCWD) {
      auto it = procs[proc].fds.find(dirfd);
      return it == procs[proc].fds.end() ? std::string() : it->second + "/" + std::string(p);
    }
    (void)e;
    return procs[proc].cwd + "/" + std::string(p);
  }
  std::string fd_path(uint32_t proc, int64_t fd) {
    auto it = procs[proc].fds.find(fd);
    return it == procs[proc].fds.end() ? std::string() : it->second;
  }

  // The file an event touches (for marker purposes), "" when none.
  std::string path_of(const Event& e) {
    switch (e.kind) {
      case AA_OPEN: case AA_STAT: case AA_STATX: case AA_ACCESS: case AA_TRUNCATE: case AA_UNLINK: case AA_RENAME:
        if (!e.path.empty()) return resolve(e.proc, e, e.path, e.a[0]);
        return fd_path(e.proc, e.a[0]);  // fstatat(fd, "", AT_EMPTY_PATH)
      case AA_COPY_FILE_RANGE: return fd_path(e.proc, e.a[2]);
      default: break;
    }
    auto c = kind_class(e.kind);
    if (c == AA_CLASS_READ || c == AA_CLASS_WRITE || c == AA_CLASS_SYNCFILE || e.kind == AA_FSTAT)
      return fd_path(e.proc, e.a[0]);
    return {};
  }

  void track_fds(const Event& e) {
    Proc& p = procs[e.proc];
    switch (e.kind) {
      case AA_OPEN:
        if (e.ret >= 0) p.fds[e.ret] = resolve(e.proc, e, e.path, e.a[0]);
        break;
      case AA_CLOSE:
        if (e.ret == 0) p.fds.erase(e.a[0]);
        break;
      case AA_DUP:
        if (e.ret >= 0) {
          if (auto it = p.fds.find(e.a[0]); it != p.fds.end()) p.fds[e.ret] = it->second;
          else p.fds.erase(e.ret);
        }
        break;
      case AA_FCNTL:
        if ((e.a[1] == F_DUPFD || e.a[1] == F_DUPFD_CLOEXEC) && e.ret >= 0) {
          if (auto it = p.fds.find(e.a[0]); it != p.fds.end()) p.fds[e.ret] = it->second;
        }
        break;
      case AA_CHDIR:
        if (e.ret == 0 && !e.path.empty()) p.cwd = resolve(e.proc, e, e.path, AT_FDCWD);
        break;
      default:
        break;
    }
  }

  void on_marker(const Event& e) {
    ++seen;
    auto mk = parse_marker(e.path);
    if (!mk) {
      ++bad;
      return;
    }
    Marker& m = *mk;
    Proc& p = procs[e.proc];
    EvCopy ev = EvCopy::of(e);
    switch (m.type) {
      case Marker::kRequest: {
        if (p.req_by_id.count(m.id)) return;
        Request r;
        r.id = m.id;
        r.proc = e.proc;
        r.tid = e.tid;
        r.job = m.op == "job";
        r.ev = ev;
        if (!r.job && m.path.empty() && m.fd >= 0) m.path = fd_path(e.proc, m.fd);
        if (!m.path.empty() && m.path.front() != '/') m.path = p.cwd + "/" + m.path;
        if (!r.job && m.path.empty()) return;  // nothing to tie it to
        r.m = std::move(m);
        size_t idx = requests.size();
        p.req_by_id[r.id] = idx;
        if (!r.job) p.reqs_by_path[r.m.path].push_back(idx);
        ++p.undelivered[r.tid];
        requests.push_back(std::move(r));
        break;
      }
      case Marker::kDelivered: {
        auto it = p.req_by_id.find(m.id);
        if (it == p.req_by_id.end()) return;
        Request& r = requests[it->second];
        if (r.delivered) return;  // the first delivery is when the program learned it
        r.delivered = ev;
        r.delivered_api = m.api;
        --p.undelivered[r.tid];
        break;
      }
      case Marker::kObserve:
        p.observe[e.tid] = ObserveMark{next_group++, m.path, marker_frame(m.loc, m.fn)};
        break;
      case Marker::kSite: {
        // A site is consumed by the write that follows it; one whose write
        // the model never saw (an fd it cannot name) must not pile up.
        auto& sites = p.sites[e.tid];
        if (sites.size() >= kSitesPerThread) sites.erase(sites.begin());
        sites.emplace_back(m.path, marker_frame(m.loc, m.fn));
        break;
      }
      case Marker::kJobStart:
        p.job_on_tid[e.tid] = m.id;
        break;
      case Marker::kJobEnd:
        p.job_on_tid.erase(e.tid);
        p.sites.erase(e.tid);
        break;
      case Marker::kExit: {
        ExitObs x;
        x.proc = e.proc;
        x.tid = e.tid;
        x.marker = ev;
        x.pending = std::move(m.pending);
        if (!m.loc.empty()) x.frame = marker_frame(m.loc, m.fn);
        p.exits_waiting.push_back(exits.size());
        exits.push_back(std::move(x));
        break;
      }
      case Marker::kUnknown:
        break;
    }
  }

  // A write-class call or creating open: an effect of the request(s) it serves.
  void on_effect(const Event& e, const std::string& path) {
    Proc& p = procs[e.proc];
    EvCopy ev = EvCopy::of(e);
    std::vector<size_t> owners;
    if (auto j = p.job_on_tid.find(e.tid); j != p.job_on_tid.end()) {
      if (auto it = p.req_by_id.find(j->second); it != p.req_by_id.end()) owners.push_back(it->second);
    } else if (auto it = p.reqs_by_path.find(path); it != p.reqs_by_path.end()) {
      for (size_t idx : it->second) {
        const Request& r = requests[idx];
        if (r.tid == e.tid || r.ev.t_enter > e.t_enter) continue;  // the origin's own calls are not its effects
        if (r.delivered && r.delivered->t_enter < e.t_enter) continue;
        owners.push_back(idx);
      }
    }
    // The user line of this write, if the adapter named it: also for writes
    // no request owns (a plain thread's os.write, a Node worker's
    // writeFileSync), whose syscall findings then show it.
    if (e.kind != AA_OPEN) {
      auto& sites = p.sites[e.tid];
      for (auto it = sites.begin(); it != sites.end(); ++it)
        if (it->first == path) {
          user_frames[key_of(ev)] = it->second;
          sites.erase(it);
          break;
        }
    }
    if (owners.empty()) return;
    size_t ei = effects.size();
    effects.push_back({ev, path});
    for (size_t o : owners) requests[o].effects.push_back(ei);
    effect_keys.insert(key_of(ev));
  }

  void on_conflict(const Event& e, const std::string& path, const char* conflict) {
    Proc& p = procs[e.proc];
    EvCopy ev = EvCopy::of(e);
    uint64_t group = 0;
    if (auto o = p.observe.find(e.tid); o != p.observe.end() && (o->second.path.empty() || o->second.path == path)) {
      group = o->second.group;
      user_frames.emplace(key_of(ev), o->second.frame);
    }
    auto u = p.undelivered.find(e.tid);
    if (u == p.undelivered.end() || u->second <= 0) return;
    if (!group) group = next_group++;
    candidates.push_back({ev, path, conflict, group});
  }

  void feed(const Event& e) {
    if (e.kind == AA_MARKER) return on_marker(e);
    if (seen == 0) {  // no adapter in sight yet: only keep the fd table
      track_fds(e);
      return;
    }
    if (e.kind == AA_EXIT) {
      Proc& p = procs[e.proc];
      for (size_t xi : p.exits_waiting) exits[xi].exit_rec = EvCopy::of(e);
      p.exits_waiting.clear();
    }
    std::string path;
    if (const char* c = conflict_of(e.kind)) {
      path = path_of(e);
      if (!path.empty()) {
        bool effect = kind_class(e.kind) == AA_CLASS_WRITE || creating_open(e);
        if (effect) on_effect(e, path);
        // The origin's own calls on the file are what can overtake its requests.
        if (!effect || procs[e.proc].undelivered[e.tid] > 0) on_conflict(e, path, c);
      }
    }
    track_fds(e);
  }

  // Is B, on the request's thread, between the request and its delivery on
  // the request's file?  Returns the effects on that file.
  bool pending_at(const Request& r, const Candidate& c, std::vector<const Effect*>& fx) const {
    if (r.proc != c.b.proc || r.tid != c.b.tid || r.ev.t_enter >= c.b.t_enter) return false;
    if (r.delivered && r.delivered->t_enter < c.b.t_enter) return false;
    fx.clear();
    for (size_t ei : r.effects)
      if (effects[ei].path == c.path) fx.push_back(&effects[ei]);
    if (r.job) return !fx.empty();  // a job conflicts only on the files it wrote
    if (effect_keys.count(key_of(c.b))) return false;
    return r.m.path == c.path;
  }

  static const Effect* main_effect(const std::vector<const Effect*>& fx) {
    for (const Effect* f : fx)
      if (f->ev.kind != AA_OPEN) return f;
    return fx.empty() ? nullptr : fx.front();
  }

  std::vector<Frame> write_frames(const Request& r, const Effect* w) const {
    std::vector<Frame> out;
    if (w)
      if (auto it = user_frames.find(key_of(w->ev)); it != user_frames.end()) out.push_back(it->second);
    if (!r.m.loc.empty()) out.push_back(marker_frame(r.m.loc, r.m.fn));
    return out;
  }

  static std::string stale_of(const EvCopy& b, bool manifested, bool never) {
    if (!manifested) return {};
    if (b.err == ENOENT) return fmt::format("{} failed with ENOENT: the file was not created yet", kind_name(b.kind));
    if (kind_class(b.kind) == AA_CLASS_STAT && b.has_stat && b.ret == 0)
      return fmt::format("{} saw size {} before the write {}", kind_name(b.kind), b.stat_size,
                         never ? "happened" : "returned");
    if (kind_class(b.kind) == AA_CLASS_READ && b.ret >= 0)
      return fmt::format("{} returned {} bytes before the write {}", kind_name(b.kind), b.ret,
                         never ? "happened" : "returned");
    return {};
  }

  RawFinding finding(const Request& r, const EvCopy& b, const std::string& path, const char* conflict,
                     const std::vector<const Effect*>& fx, bool manifested, const std::optional<Frame>& b_frame) {
    const Effect* w = main_effect(fx);
    bool never = fx.empty() || std::all_of(fx.begin(), fx.end(), [&](const Effect* f) { return f->ev.t_enter > b.t_enter; });
    RawFinding f;
    f.kind = "premature-completion";
    f.confidence = manifested ? "manifested" : "latent";
    f.severity = manifested ? "error" : "warning";
    f.conflict = conflict;
    f.path = path;
    f.write = w ? w->ev : r.ev;
    f.overtaker = b;
    f.submission = r.ev;
    f.ack = r.delivered;
    f.origin_tid = r.tid;
    std::string where = r.m.loc.empty() ? "" : fmt::format(" at {}", r.m.loc);
    std::string api = r.m.api.empty() ? "the request" : r.m.api;
    if (b.kind == AA_EXIT || b.kind == AA_MARKER)
      f.message = fmt::format("process exit overtook {}{} on {}: {}", api, where, path,
                              never ? "the write never happened" : "the write had not returned");
    else
      f.message = fmt::format("{} on {} overtook {}{} (not delivered to the program until {})", kind_name(b.kind),
                              path, api, where, r.delivered ? r.delivered_api : std::string("never"));
    f.stale = b.kind == AA_EXIT || b.kind == AA_MARKER
                  ? (manifested ? std::string(never ? "the write was lost: the process ended before it ran"
                                                    : "the process ended while the write was running")
                                : std::string())
                  : stale_of(b, manifested, never);
    f.evidence = fmt::format(
        "adapter markers: {} requested on tid {}, {}; {} entered {:.1f} µs after the request, before the delivery; "
        "the request's writes {}",
        api, r.tid, r.delivered ? "delivered by " + r.delivered_api : std::string("never delivered"), kind_name(b.kind),
        us(b.t_enter, r.ev.t_enter),
        fx.empty() ? "never ran" : manifested ? "had not returned by then" : "had returned, but the program was not told");
    f.write_user = write_frames(r, w);
    if (b_frame) f.overtaker_user.push_back(*b_frame);
    return f;
  }

  std::vector<RawFinding> marker_findings() {
    std::vector<RawFinding> out;
    std::vector<const Effect*> fx;
    // One finding per observation (a group of calls after one observe marker):
    // its first call that overtook a request, manifested preferred.
    std::map<uint64_t, std::vector<const Candidate*>> groups;
    for (const auto& c : candidates) groups[c.group].push_back(&c);
    for (const auto& [g, cs] : groups) {
      std::optional<RawFinding> best;
      for (const Candidate* c : cs) {
        for (const Request& r : requests) {
          if (!pending_at(r, *c, fx)) continue;
          bool manifested = fx.empty() || std::any_of(fx.begin(), fx.end(), [&](const Effect* f) {
                              return f->ev.t_exit > c->b.t_enter;
                            });
          if (best && (best->confidence == "manifested" || !manifested)) continue;
          std::optional<Frame> bf;
          if (auto it = user_frames.find(key_of(c->b)); it != user_frames.end()) bf = it->second;
          best = finding(r, c->b, c->path, c->conflict, fx, manifested, bf);
        }
        if (best && best->confidence == "manifested") break;
      }
      if (best) out.push_back(std::move(*best));
    }
    // process.exit() with requests pending: their writes may never happen.
    for (const ExitObs& x : exits) {
      EvCopy b = x.exit_rec ? *x.exit_rec : x.marker;
      for (uint64_t id : x.pending) {
        auto it = procs[x.proc].req_by_id.find(id);
        if (it == procs[x.proc].req_by_id.end()) continue;
        const Request& r = requests[it->second];
        fx.clear();
        for (size_t ei : r.effects) fx.push_back(&effects[ei]);
        bool manifested = fx.empty() || std::any_of(fx.begin(), fx.end(), [&](const Effect* f) {
                            return f->ev.t_exit > b.t_enter;
                          });
        if (!manifested) continue;  // the write was done; only the notification was skipped
        std::string path = r.job ? (fx.empty() ? std::string() : fx.front()->path) : r.m.path;
        if (path.empty()) continue;
        out.push_back(finding(r, b, path, "exit", fx, true, x.frame));
      }
    }
    return out;
  }
};

MarkerAnalysis::MarkerAnalysis(const std::vector<ProcessInfo>& procs) : impl_(std::make_unique<Impl>()) {
  impl_->procs.resize(procs.size());
  for (size_t i = 0; i < procs.size(); ++i) impl_->procs[i].cwd = procs[i].cwd;
}
MarkerAnalysis::~MarkerAnalysis() = default;

void MarkerAnalysis::feed(const Event& e) {
  if (e.proc < impl_->procs.size()) impl_->feed(e);
}

uint64_t MarkerAnalysis::bad_markers() const { return impl_->bad; }
bool MarkerAnalysis::any() const { return impl_->seen > 0; }

std::vector<RawFinding> MarkerAnalysis::refine(std::vector<RawFinding> in) {
  std::vector<RawFinding> out;
  // A finding's alternatives (RawFinding::group) go together: once the
  // markers judged the write one of them shows, they judged the call site.
  std::unordered_set<uint32_t> judged_groups;
  for (auto& f : in)
    if (f.group != UINT32_MAX && impl_->effect_keys.count(key_of(f.write))) judged_groups.insert(f.group);
  for (auto& f : in) {
    if (impl_->effect_keys.count(key_of(f.write))) continue;  // the markers judged this write
    if (f.group != UINT32_MAX && judged_groups.count(f.group)) continue;
    if (auto it = impl_->user_frames.find(key_of(f.write)); it != impl_->user_frames.end())
      f.write_user.push_back(it->second);
    if (f.overtaker)
      if (auto it = impl_->user_frames.find(key_of(*f.overtaker)); it != impl_->user_frames.end())
        f.overtaker_user.push_back(it->second);
    out.push_back(std::move(f));
  }
  for (auto& f : impl_->marker_findings()) out.push_back(std::move(f));
  return out;
}

}  // namespace aa
