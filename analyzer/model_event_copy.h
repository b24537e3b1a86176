// A self-contained copy of the parts of an Event that findings keep after the
// reader has moved on (Event's views die with the stream position).
#pragma once
#include <cstdint>

#include "event.h"

namespace aa {

struct EvCopy {
  uint32_t proc = 0;
  aa_kind kind = AA_KIND_NONE;
  int32_t pid = 0, tid = 0;
  uint32_t stack_id = 0;
  uint64_t t_enter = 0, t_exit = 0;
  int64_t ret = 0;
  int32_t err = 0;
  int64_t a[6] = {0, 0, 0, 0, 0, 0};
  bool has_stat = false;
  int64_t stat_size = 0;
  // Filled by the file model for data ops: the byte range the call covered.
  int64_t off = -1, len = 0;

  static EvCopy of(const Event& e) {
    EvCopy c;
    c.proc = e.proc; c.kind = e.kind; c.pid = e.pid; c.tid = e.tid; c.stack_id = e.stack_id;
    c.t_enter = e.t_enter; c.t_exit = e.t_exit; c.ret = e.ret; c.err = e.err;
    for (int i = 0; i < 6; ++i) c.a[i] = e.a[i];
    if (e.st) { c.has_stat = true; c.stat_size = e.st->size; }
    return c;
  }
};

}  // namespace aa
