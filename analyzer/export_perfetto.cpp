#include "export_perfetto.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "exit_codes.h"

namespace aa {
namespace {

using nlohmann::json;

// JSON string literal; raw bytes from a log that are not UTF-8 become U+FFFD
// instead of producing a file no viewer can parse.
std::string jstr(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string basename_of(const std::string& p) {
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// Flow events bind to the slice that encloses them on their thread
// (Perfetto's JSON importer and chrome://tracing both do so).  At exactly
// the slice's start the binding would depend on how the viewer orders
// equal timestamps, so flow ends sit 1 ns inside their slice.
constexpr uint64_t kFlowInset = 1;

// A release that later acquires pair with: where the flow arrow starts.
struct Release {
  int32_t pid = 0, tid = 0;
  uint64_t ts = 0;         // the release slice's t_enter
  const char* cat = "";
};

// Sync objects are keyed per process (private futexes, mutexes, ... live in
// one address space); `what` separates the kinds of object.
using ObjKey = std::tuple<int32_t, int, int64_t>;  // pid, what, address/id

enum What { kFutex, kCond, kSem, kMutex, kSpawn, kThreadExit, kChannel };
const char* what_name(What w) {
  static const char* n[] = {"futex", "cond", "sem", "mutex", "thread start", "join", "channel"};
  return n[w];
}

class TraceWriter {
 public:
  TraceWriter(const std::string& path, uint64_t base) : base_(base) {
    if (path == "-") {
      f_ = stdout;
    } else {
      f_ = std::fopen(path.c_str(), "w");
      if (!f_) throw ToolError(kExitCantCreate, fmt::format("cannot write {}: {}", path, std::strerror(errno)));
      own_ = true;
    }
    std::fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"tool\":\"awaitaudit\",\"version\":\"" AA_VERSION "\"},"
               "\"traceEvents\":[\n", f_);
  }
  ~TraceWriter() {
    if (own_ && f_) std::fclose(f_);
  }

  // ns since the earliest process start, printed as µs with ns precision.
  std::string ts(uint64_t t) const {
    uint64_t d = t > base_ ? t - base_ : 0;
    return fmt::format("{}.{:03}", d / 1000, d % 1000);
  }
  // At least 2 ns, so a flow event placed 1 ns after the start lies strictly
  // inside the slice (see kFlowInset).
  std::string dur(uint64_t t0, uint64_t t1) const {
    uint64_t d = t1 > t0 + 2 ? t1 - t0 : 2;
    return fmt::format("{}.{:03}", d / 1000, d % 1000);
  }

  void event(const std::string& body) {
    if (!first_) std::fputs(",\n", f_);
    first_ = false;
    std::fputc('{', f_);
    std::fwrite(body.data(), 1, body.size(), f_);
    std::fputc('}', f_);
  }

  void finish(const std::string& path) {
    std::fputs("\n]}\n", f_);
    bool bad = std::ferror(f_) != 0;
    if (own_) {
      bad = std::fclose(f_) != 0 || bad;
      f_ = nullptr;
    } else {
      bad = std::fflush(f_) != 0 || bad;
    }
    if (bad) throw ToolError(kExitCantCreate, fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  }

 private:
  std::FILE* f_ = nullptr;
  bool own_ = false, first_ = true;
  uint64_t base_;
};

// "fd=3, count=10, ..." from the AA_KINDS arg names: the table decodes.
std::string call_args(const Event& ev, bool is_pointer_kind) {
  std::string o = fmt::format("\"ret\":{}", ev.ret);
  if (ev.err) o += fmt::format(",\"errno\":{}", ev.err);
  std::string_view names = kind_args(ev.kind);
  size_t i = 0;
  while (!names.empty() && i < 6) {
    size_t comma = names.find(',');
    std::string_view n = names.substr(0, comma);
    if (n != "-" && !n.empty()) {
      bool hex = is_pointer_kind && (n == "uaddr" || n == "uaddr2" || n == "mutex" || n == "cond" || n == "sem" ||
                                     n == "pthread");
      o += hex ? fmt::format(",{}:\"0x{:x}\"", jstr(n), static_cast<uint64_t>(ev.a[i]))
               : fmt::format(",{}:{}", jstr(n), ev.a[i]);
    }
    ++i;
    if (comma == std::string_view::npos) break;
    names.remove_prefix(comma + 1);
  }
  if (!ev.path.empty()) o += ",\"path\":" + jstr(ev.path);
  if (!ev.path2.empty()) o += ",\"path2\":" + jstr(ev.path2);
  if (ev.st) o += fmt::format(",\"size\":{},\"ino\":{}", ev.st->size, ev.st->ino);
  if (ev.flags & AA_F_DELAYED) o += ",\"delayed\":true";
  return o;
}

class Exporter {
 public:
  Exporter(const LogSet& logs, TraceWriter& w) : logs_(logs), w_(w) {}

  void process_metadata() {
    for (auto& p : logs_.processes()) {
      w_.event(fmt::format("\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{},\"tid\":0,\"args\":{{\"name\":{}}}",
                           p.pid, jstr(basename_of(p.exe))));
      std::string argv;
      for (auto& a : p.argv) argv += (argv.empty() ? "" : " ") + a;
      w_.event(fmt::format("\"ph\":\"M\",\"name\":\"process_labels\",\"pid\":{},\"tid\":0,\"args\":{{\"labels\":{}}}",
                           p.pid, jstr(argv)));
    }
  }

  void on_event(const Event& ev) {
    if (ev.kind == AA_STACK || ev.kind == AA_MAPS) return;
    see_thread(ev.pid, ev.tid);
    if (ev.kind == AA_THREAD_NAME) {
      w_.event(fmt::format("\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{},\"tid\":{},\"args\":{{\"name\":{}}}",
                           ev.pid, ev.tid, jstr(fmt::format("{} ({})", ev.path, ev.tid))));
      return;
    }
    if (kind_class(ev.kind) == AA_CLASS_META) {  // markers, dlopen: points, not calls
      w_.event(fmt::format("\"ph\":\"i\",\"s\":\"t\",\"cat\":\"meta\",\"name\":{},\"ts\":{},\"pid\":{},\"tid\":{},"
                           "\"args\":{{\"text\":{}}}",
                           jstr(kind_name(ev.kind)), w_.ts(ev.t_enter), ev.pid, ev.tid, jstr(ev.path)));
      return;
    }
    track_channels(ev);
    const char* cat = category(ev);
    w_.event(fmt::format("\"ph\":\"X\",\"cat\":\"{}\",\"name\":{},\"ts\":{},\"dur\":{},\"pid\":{},\"tid\":{},\"args\":{{{}}}",
                         cat, jstr(kind_name(ev.kind)), w_.ts(ev.t_enter), w_.dur(ev.t_enter, ev.t_exit), ev.pid,
                         ev.tid, call_args(ev, kind_class(ev.kind) == AA_CLASS_SYNC)));
    ++stats.slices;
    handoffs(ev, cat);
  }

  void findings(const json& report) {
    auto it = report.find("findings");
    if (it == report.end() || !it->is_array()) return;
    for (auto& f : *it) {
      if (!f.is_object()) continue;
      const json* at = nullptr;
      for (const char* k : {"overtaker", "write"})
        if (f.contains(k) && f[k].is_object() && f[k].contains("t_enter_ns")) {
          at = &f[k];
          break;
        }
      if (!at) continue;
      auto s = [&](const char* k) { return f.contains(k) && f[k].is_string() ? f[k].get<std::string>() : std::string(); };
      auto n = [&](const json& e, const char* k) { return e.contains(k) && e[k].is_number() ? e[k].get<int64_t>() : 0; };
      std::string name = fmt::format("{} {}: {}", s("id"), s("confidence"), s("kind"));
      // On the overtaking call's own track, where a reader following the
      // thread meets it; the write it overtook is named in the args.
      const json* wr = f.contains("write") && f["write"].is_object() ? &f["write"] : at;
      w_.event(fmt::format("\"ph\":\"i\",\"s\":\"t\",\"cat\":\"finding\",\"name\":{},\"ts\":{},\"pid\":{},\"tid\":{},"
                           "\"args\":{{\"severity\":{},\"message\":{},\"stale\":{},\"hint\":{},\"file\":{},"
                           "\"write_tid\":{},\"write_ts\":{},\"write_returned\":{}}}",
                           jstr(name), w_.ts(static_cast<uint64_t>(n(*at, "t_enter_ns"))), n(*at, "pid"), n(*at, "tid"),
                           jstr(s("severity")), jstr(s("message")), jstr(s("stale")), jstr(s("hint")), jstr(s("file")),
                           n(*wr, "tid"), w_.ts(static_cast<uint64_t>(n(*wr, "t_enter_ns"))),
                           w_.ts(static_cast<uint64_t>(n(*wr, "t_exit_ns")))));
      ++stats.findings;
    }
  }

  PerfettoStats stats;

 private:
  void see_thread(int32_t pid, int32_t tid) {
    if (!threads_.insert({pid, tid}).second) return;
    ++stats.threads;
    std::string name = tid == pid ? fmt::format("main ({})", tid) : fmt::format("thread {}", tid);
    w_.event(fmt::format("\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{},\"tid\":{},\"args\":{{\"name\":{}}}", pid,
                         tid, jstr(name)));
    // The main thread first; the rest in order of appearance.
    w_.event(fmt::format("\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":{},\"tid\":{},\"args\":{{\"sort_index\":{}}}",
                         pid, tid, tid == pid ? 0 : static_cast<int>(threads_.size())));
  }

  bool on_channel(const Event& ev) const {
    auto c = kind_class(ev.kind);
    return (c == AA_CLASS_WRITE || c == AA_CLASS_READ) && channels_.count({ev.pid, ev.a[0]});
  }

  // Flow events pair by category (chrome://tracing binds them to the slice
  // of the same category starting at the same time), so both ends of a
  // handoff must be in the same one: every sync object is "sync", every
  // channel end "channel".
  const char* category(const Event& ev) const {
    if (on_channel(ev)) return "channel";
    switch (kind_class(ev.kind)) {
      case AA_CLASS_SYNC: return "sync";
      case AA_CLASS_CHANNEL: return "channel";
      case AA_CLASS_PROC: return "proc";
      case AA_CLASS_FD: return "fd";
      default: return "file";
    }
  }

  // Pipe, eventfd and socketpair fds: their reads and writes are handoffs.
  // Dups share the channel; close forgets the fd.  (Fork inheritance is not
  // followed: flows stay within a process.)
  void track_channels(const Event& ev) {
    auto add = [&](int64_t fd, int64_t id) { channels_[{ev.pid, fd}] = id; };
    switch (ev.kind) {
      case AA_PIPE: case AA_SOCKETPAIR:
        if (ev.ret == 0) add(ev.a[0], next_channel_), add(ev.a[1], next_channel_), ++next_channel_;
        break;
      case AA_EVENTFD:
        if (ev.ret >= 0) add(ev.ret, next_channel_++);
        break;
      case AA_DUP:
        if (ev.ret >= 0) {
          auto it = channels_.find({ev.pid, ev.a[0]});
          if (it != channels_.end()) add(ev.ret, it->second);
          else channels_.erase({ev.pid, ev.ret});
        }
        break;
      case AA_FCNTL:
        if (ev.ret >= 0 && (ev.a[1] == 0 /*F_DUPFD*/ || ev.a[1] == 1030 /*F_DUPFD_CLOEXEC*/)) {
          auto it = channels_.find({ev.pid, ev.a[0]});
          if (it != channels_.end()) add(ev.ret, it->second);
        }
        break;
      case AA_CLOSE:
        if (ev.ret == 0) channels_.erase({ev.pid, ev.a[0]});
        break;
      case AA_OPEN:
        if (ev.ret >= 0) channels_.erase({ev.pid, ev.ret});  // a reused fd number is a file now
        break;
      default: break;
    }
  }

  void release(What w, int64_t obj, const Event& ev, const char* cat) {
    last_release_[{ev.pid, w, obj}] = {ev.pid, ev.tid, ev.t_enter, cat};
  }

  // An acquire pairs with the latest release of the same object that the
  // merge order has already passed (releases stream at t_enter, acquires at
  // t_exit, so that release entered before this acquire returned).
  void acquire(What w, int64_t obj, const Event& ev, const char* cat) {
    auto it = last_release_.find({ev.pid, w, obj});
    if (it == last_release_.end()) return;
    const Release& r = it->second;
    if (r.tid == ev.tid) return;  // same thread: program order already says it
    uint64_t id = ++stats.flows;
    std::string name = jstr(what_name(w));
    w_.event(fmt::format("\"ph\":\"s\",\"cat\":\"{}\",\"name\":{},\"id\":{},\"ts\":{},\"pid\":{},\"tid\":{}", r.cat, name,
                         id, w_.ts(r.ts + kFlowInset), r.pid, r.tid));
    w_.event(fmt::format("\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"{}\",\"name\":{},\"id\":{},\"ts\":{},\"pid\":{},\"tid\":{}",
                         cat, name, id, w_.ts(ev.t_enter + kFlowInset), ev.pid, ev.tid));
  }

  void handoffs(const Event& ev, const char* cat) {
    switch (ev.kind) {
      case AA_FUTEX: {
        int op = static_cast<int>(ev.a[1] & 0x7f);
        if ((op == 1 || op == 10) && ev.ret > 0) release(kFutex, ev.a[0], ev, cat);           // WAKE, WAKE_BITSET
        if (op == 5 && ev.ret > 0) release(kFutex, ev.a[0], ev, cat), release(kFutex, ev.a[3], ev, cat);  // WAKE_OP
        if ((op == 0 || op == 9) && ev.ret == 0) acquire(kFutex, ev.a[0], ev, cat);           // WAIT returned woken
        break;
      }
      case AA_COND_SIGNAL: case AA_COND_BROADCAST: release(kCond, ev.a[0], ev, cat); break;
      case AA_COND_WAIT: if (ev.ret == 0) acquire(kCond, ev.a[0], ev, cat); break;
      case AA_SEM_POST: if (ev.ret == 0) release(kSem, ev.a[0], ev, cat); break;
      case AA_SEM_WAIT: if (ev.ret == 0) acquire(kSem, ev.a[0], ev, cat); break;
      case AA_MUTEX_UNLOCK: release(kMutex, ev.a[0], ev, cat); break;
      case AA_MUTEX_LOCK: acquire(kMutex, ev.a[0], ev, cat); break;
      case AA_THREAD_CREATE: if (ev.ret == 0) release(kSpawn, ev.a[0], ev, cat); break;
      case AA_THREAD_START: acquire(kSpawn, ev.a[0], ev, cat); break;
      case AA_THREAD_EXIT: release(kThreadExit, ev.a[1], ev, cat); break;
      case AA_THREAD_JOIN: if (ev.ret == 0) acquire(kThreadExit, ev.a[0], ev, cat); break;
      default:
        if (on_channel(ev) && ev.ret > 0) {
          int64_t ch = channels_.at({ev.pid, ev.a[0]});
          if (kind_class(ev.kind) == AA_CLASS_WRITE) release(kChannel, ch, ev, cat);
          else acquire(kChannel, ch, ev, cat);
        }
    }
  }

  const LogSet& logs_;
  TraceWriter& w_;
  std::set<std::pair<int32_t, int32_t>> threads_;
  std::map<ObjKey, Release> last_release_;
  std::map<std::pair<int32_t, int64_t>, int64_t> channels_;
  int64_t next_channel_ = 1;
};

}  // namespace

PerfettoStats export_perfetto(const LogSet& logs, const json* findings, const std::string& out_path) {
  uint64_t base = UINT64_MAX;
  for (auto& p : logs.processes()) base = std::min(base, p.start_mono_ns);
  if (base == UINT64_MAX) base = 0;
  TraceWriter w(out_path, base);
  Exporter ex(logs, w);
  ex.process_metadata();
  logs.for_each([&](const Event& ev) { ex.on_event(ev); });
  if (findings) ex.findings(*findings);
  w.finish(out_path);
  return ex.stats;
}

}  // namespace aa
