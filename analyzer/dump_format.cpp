#include "dump_format.h"

#include <sys/sysmacros.h>

#include <cstring>
#include <string_view>

namespace aa {

std::string errno_name(int err) {
  if (err == 0) return {};
  const char* n = strerrorname_np(err);
  return n ? std::string(n) : fmt::format("E{}", err);
}

namespace {

// Argument names whose values read best in hex or octal.
bool is_address(std::string_view name) {
  return name == "uaddr" || name == "uaddr2" || name == "mutex" || name == "cond" || name == "sem" ||
         name == "pthread" || name == "flags" || name == "mask" || name == "prot";
}

template <typename F>
void for_each_arg(aa_kind kind, F&& f) {
  std::string_view names = kind_args(kind);
  for (int i = 0; i < 6 && !names.empty(); ++i) {
    size_t comma = names.find(',');
    std::string_view n = names.substr(0, comma);
    if (n != "-" && !n.empty()) f(i, n);
    if (comma == std::string_view::npos) break;
    names.remove_prefix(comma + 1);
  }
}

void append_quoted(fmt::memory_buffer& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      fmt::format_to(std::back_inserter(out), "\\n");
    } else if (c < 0x20 || c == 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

const char* flag_names[] = {"stat", "path", "path2", "data", "pending", "trunc", "delayed"};

}  // namespace

void append_text_record(fmt::memory_buffer& out, const Event& ev, uint64_t t0) {
  auto it = std::back_inserter(out);
  double rel_us = (static_cast<double>(ev.t_enter) - static_cast<double>(t0)) / 1e3;
  fmt::format_to(it, "{}/{} {:.3f} {}(", ev.pid, ev.tid, rel_us, kind_name(ev.kind));
  bool first = true;
  auto sep = [&] {
    if (!first) fmt::format_to(it, ", ");
    first = false;
  };
  if (ev.flags & AA_F_PATH) {
    sep();
    append_quoted(out, ev.path);
  }
  if (ev.flags & AA_F_PATH2) {
    sep();
    append_quoted(out, ev.path2);
  }
  for_each_arg(ev.kind, [&](int i, std::string_view n) {
    sep();
    if (n == "mode")
      fmt::format_to(it, "{}=0{:o}", n, ev.a[i]);
    else if (is_address(n))
      fmt::format_to(it, "{}={:#x}", n, static_cast<uint64_t>(ev.a[i]));
    else
      fmt::format_to(it, "{}={}", n, ev.a[i]);
  });
  if (ev.st) {
    sep();
    fmt::format_to(it, "{{dev={}:{}, ino={}, size={}, mode=0{:o}, nlink={}}}", major(ev.st->dev), minor(ev.st->dev),
                   ev.st->ino, ev.st->size, ev.st->mode, ev.st->nlink);
  }
  if (ev.kind == AA_STACK) {
    sep();
    fmt::format_to(it, "{} ips", ev.data.size());
  }
  fmt::format_to(it, ") = {}", ev.ret);
  if (ev.err) fmt::format_to(it, " {}", errno_name(ev.err));
  if (ev.flags & AA_F_PENDING) fmt::format_to(it, " (pending)");
  if (ev.flags & AA_F_TRUNC) fmt::format_to(it, " (truncated)");
  if (ev.flags & AA_F_DELAYED) fmt::format_to(it, " (delayed)");
  if (ev.stack_id) fmt::format_to(it, " [stack {}]", ev.stack_id);
  uint64_t dur = ev.t_exit >= ev.t_enter ? ev.t_exit - ev.t_enter : 0;
  fmt::format_to(it, " <{}.{:06}>\n", dur / 1000000000, dur / 1000 % 1000000);
}

void append_text_process(fmt::memory_buffer& out, const ProcessInfo& p) {
  auto it = std::back_inserter(out);
  fmt::format_to(it, "# pid {} (ppid {}) {}", p.pid, p.ppid, p.exe);
  for (size_t i = 1; i < p.argv.size(); ++i) fmt::format_to(it, " {}", p.argv[i]);
  fmt::format_to(it, "\n# log {}: {} records, {} skipped, {}\n", p.log_path, p.records, p.skipped,
                 p.clean_exit ? "clean exit" : "no clean exit (killed or still running)");
  for (const auto& pr : p.problems) fmt::format_to(it, "# problem: {}\n", pr);
}

nlohmann::json process_json(const ProcessInfo& p) {
  return {{"type", "process"}, {"pid", p.pid},           {"ppid", p.ppid},         {"exe", p.exe},
          {"argv", p.argv},    {"cwd", p.cwd},           {"log", p.log_path},      {"clean_exit", p.clean_exit},
          {"records", p.records}, {"skipped", p.skipped}, {"problems", p.problems}};
}

nlohmann::json record_json(const Event& ev, const LogSet& logs) {
  nlohmann::json j = {{"type", "record"}, {"pid", ev.pid},       {"tid", ev.tid},
                      {"kind", kind_name(ev.kind)}, {"t_enter", ev.t_enter}, {"t_exit", ev.t_exit},
                      {"ret", ev.ret},    {"errno", ev.err}};
  j["errno_name"] = ev.err ? nlohmann::json(errno_name(ev.err)) : nlohmann::json(nullptr);
  nlohmann::json flags = nlohmann::json::array();
  for (size_t b = 0; b < std::size(flag_names); ++b)
    if (ev.flags & (1u << b)) flags.push_back(flag_names[b]);
  j["flags"] = std::move(flags);
  nlohmann::json args = nlohmann::json::object();
  for_each_arg(ev.kind, [&](int i, std::string_view n) { args[std::string(n)] = ev.a[i]; });
  j["args"] = std::move(args);
  if (ev.flags & AA_F_PATH) j["path"] = std::string(ev.path);
  if (ev.flags & AA_F_PATH2) j["path2"] = std::string(ev.path2);
  if (ev.st)
    j["stat"] = {{"dev", ev.st->dev},     {"ino", ev.st->ino},           {"size", ev.st->size},
                 {"mode", ev.st->mode},   {"nlink", ev.st->nlink},       {"mtime_ns", ev.st->mtime_ns},
                 {"btime_ns", ev.st->btime_ns}};
  j["stack_id"] = ev.stack_id;
  if (ev.stack_id) {
    nlohmann::json ips = nlohmann::json::array();
    for (uint64_t ip : logs.stack(ev.proc, ev.stack_id)) ips.push_back(fmt::format("{:#x}", ip));
    j["stack"] = std::move(ips);
  }
  return j;
}

}  // namespace aa
