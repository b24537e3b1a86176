// Synthetic event sequences for the model/happens-before/check unit tests:
// a tiny builder that stamps events with increasing times, so a scenario
// reads like the program it stands for.
#pragma once
#include <fcntl.h>
#include <sys/stat.h>

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "check_pipeline.h"
#include "log_reader.h"
#include "rules.h"

namespace aa::synth {

struct Script {
  std::vector<ProcessInfo> procs;
  std::deque<Event> events;  // stable references while a scenario is built
  std::deque<std::string> strings;  // keep path views alive
  uint64_t now = 1'000'000;

  explicit Script(int nprocs = 1) {
    for (int i = 0; i < nprocs; ++i) {
      ProcessInfo p;
      p.pid = 100 + i;
      p.ppid = i ? 100 : 1;
      p.cwd = "/work";
      p.exe = "/bin/prog";
      p.clean_exit = true;
      p.start_real_ns = 1'000;
      procs.push_back(p);
    }
  }
  // One event on thread `tid` taking `dur` ns, starting `gap` ns after the previous one.
  Event& ev(int tid, aa_kind k, std::initializer_list<int64_t> args, int64_t ret = 0, uint64_t dur = 1000,
            uint64_t gap = 1000, uint32_t proc = 0) {
    Event e;
    e.proc = proc;
    e.pid = procs[proc].pid;
    e.tid = tid;
    e.kind = k;
    now += gap;
    e.t_enter = now;
    e.t_exit = now + dur;
    e.ret = ret;
    int i = 0;
    for (int64_t a : args) e.a[i++] = a;
    events.push_back(e);
    return events.back();
  }
  Event& path(Event& e, const std::string& p) {
    strings.push_back(p);
    e.path = strings.back();
    return e;
  }
  static StatInfo st(uint64_t ino, int64_t size, int64_t btime = 0) {
    StatInfo s;
    s.dev = 2049;
    s.ino = ino;
    s.size = size;
    s.mode = S_IFREG | 0644;
    s.nlink = 1;
    s.btime_ns = btime;
    return s;
  }
  // Feeds the events in the reader's merge order: acquires keyed at t_exit.
  // With `streams`, as the reader really does: each thread's events in the
  // order they were added (a call's record after its nested calls' records),
  // threads merged by the head's key.
  std::vector<RawFinding> run(bool latent = true, bool streams = false) {
    std::vector<const Event*> order;
    auto key = [](const Event* e) { return acquires_at_exit(*e) ? e->t_exit : e->t_enter; };
    if (streams) {
      std::map<std::pair<uint32_t, int32_t>, std::deque<const Event*>> per;
      for (auto& e : events) per[{e.proc, e.tid}].push_back(&e);
      while (!per.empty()) {
        auto best = per.begin();
        for (auto it = per.begin(); it != per.end(); ++it)
          if (key(it->second.front()) < key(best->second.front())) best = it;
        order.push_back(best->second.front());
        best->second.pop_front();
        if (best->second.empty()) per.erase(best);
      }
    } else {
      for (auto& e : events) order.push_back(&e);
      std::stable_sort(order.begin(), order.end(), [&](auto* a, auto* b) { return key(a) < key(b); });
    }
    rules = RuleSet{};
    Pipeline p(procs, rules, latent);
    for (auto* e : order) p.feed(*e);
    p.finish();
    notes = p.notes();
    return p.findings();
  }
  RuleSet rules;
  std::vector<Note> notes;
};

// The usual opening of a pool scenario: `main` creates and opens `path`
// itself, then starts two helper threads (spawn ids 1 and 2).
inline void open_and_start_two(Script& s, int main, const char* path, int first, int second) {
  auto& o = s.ev(main, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 3);
  s.path(o, path);
  o.st = Script::st(10, 0, 5'000);
  s.ev(main, AA_THREAD_CREATE, {1, 0xa});
  s.ev(first, AA_THREAD_START, {1, main, 0xa});
  s.ev(main, AA_THREAD_CREATE, {2, 0xb});
  s.ev(second, AA_THREAD_START, {2, main, 0xb});
}

// Iteration i of a one-file-per-job pool: `main` opens `path` itself as fd
// 10 + i, then hands the write to `pool` with a FUTEX_WAKE (its stack
// `wake_stack`) on queue 0x1000 + i * 0x10, where `pool` has waited since
// 50 µs before.
inline void open_and_hand_off(Script& s, int main, int pool, int i, const std::string& path, uint32_t wake_stack = 0) {
  auto& o = s.ev(main, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 10 + i);
  s.path(o, path);
  o.st = Script::st(100 + i, 0, 5'000 + i);
  int64_t q = 0x1000 + i * 0x10;
  auto& w = s.ev(main, AA_FUTEX, {q, 129 /* FUTEX_WAKE_PRIVATE */, 1}, 1);
  w.stack_id = wake_stack;
  auto& r = s.ev(pool, AA_FUTEX, {q, 128 /* FUTEX_WAIT_PRIVATE */, 0}, 0, 500, 200);
  r.t_enter = w.t_enter - 50'000;
}

inline int count(const std::vector<RawFinding>& f, const std::string& kind, const std::string& conf = "") {
  int n = 0;
  for (auto& x : f)
    if (x.kind == kind && (conf.empty() || x.confidence == conf)) n += int(x.count);
  return n;
}

}  // namespace aa::synth
