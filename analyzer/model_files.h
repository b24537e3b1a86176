// Stage 2: the file model.  Per process an fd table; fds point at shared open
// file descriptions (offset, O_APPEND, what they refer to); those point at
// file identities (dev, ino, birth time) that outlive renames and are kept
// apart from a later file that reuses the inode number.  Paths are made
// absolute against the process's cwd or the dirfd, and a path that names no
// known file yet (a stat failing with ENOENT before the create) gets a
// placeholder identity that the create then adopts, so both land on one file.
// Pipes, eventfds, sockets, ttys and fds inherited unseen are channels.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "event.h"

namespace aa {

// One file an event touched.
struct Touch {
  uint32_t file = 0;       // file id (> 0)
  int64_t off = 0;         // byte range for data ops: [off, off + len); len < 0 = to the end
  int64_t len = 0;
  bool write = false;      // changes the file's data or size (a write-class op)
  bool created = false;    // an OPEN that created or truncated the file
  bool last_close = false; // a CLOSE that closed the file's last open description
  int64_t size_after = -1; // for writes: the file size the op implies (end offset / new length)
};

struct FileEffects {
  Touch touch[2];
  int n = 0;
  // A read or write on a channel: a happens-before edge, not a file access.
  uint64_t channel = 0;
  bool channel_write = false;
  bool mmap_of_written = false;  // MMAP shared+writable of a file that has been written
  // Open file descriptions of regular files, by id (> 0).  `ofd_created`: a
  // successful open made it.  `ofd_used`: the event used an fd that names
  // it, entering after that open returned — the fd value is the open's
  // result, so the use proves the open had returned (a data dependency no
  // missing atomic can fake).
  uint64_t ofd_created = 0, ofd_used = 0;
  void add(const Touch& t) { if (n < 2) touch[n++] = t; }
};

struct FileInfo {
  std::string path;              // latest absolute path
  uint64_t dev = 0, ino = 0;
  int64_t btime = 0;
  bool placeholder = true;       // known only by path so far
  bool unlinked = false;
  bool regular = true;
  bool written = false;
  int64_t size = -1;             // best knowledge of the current size
  int open_ofds = 0;             // open file descriptions over all processes
};

class FileModel {
 public:
  explicit FileModel(const std::vector<ProcessInfo>& procs);
  ~FileModel();
  // Call before a process's first event: inherits the table of the fork
  // parent or of the image that exec'd into this one.
  void begin_process(uint32_t proc);
  FileEffects apply(const Event& e);
  // A process ended: its fds are gone (no conflicts, just bookkeeping).
  void end_process(uint32_t proc);
  // Ids of open file descriptions whose last fd went away since the last
  // call (callers drop what they keyed by them).
  std::vector<uint64_t> take_gone_ofds() { return std::exchange(gone_ofds_, {}); }

  const FileInfo& file(uint32_t id) const { return files_[id]; }
  size_t files() const { return files_.size() - 1; }

  struct Ofd;
  struct Fd {
    std::shared_ptr<Ofd> ofd;
    bool cloexec = false;
  };
  using FdTable = std::unordered_map<int, Fd>;

 private:
  // An fd number the model still held when a call on another thread got it
  // anew: the kernel had freed it first, so that thread's close (or any call
  // of its that returned before the new fd was handed out) came earlier but
  // entered later.  Such calls are applied to the old description.
  struct Displaced {
    std::shared_ptr<Ofd> ofd;
    uint64_t since = 0;  // the call that got the number anew: its return
    int32_t by_tid = 0;
  };
  struct Proc {
    FdTable fds;
    std::unordered_map<int, Displaced> displaced;
    std::string cwd;
    int32_t pid = 0;
    bool begun = false;
  };
  // The description fd names for call e (the displaced one when e came first).
  Ofd* fd(uint32_t proc, int fd, const Event* e = nullptr, bool* displaced = nullptr);
  // `by`: the call that got a fresh fd number (open, pipe, socket, F_DUPFD):
  // a description still there is displaced, not closed (see Displaced).
  void put_fd(uint32_t proc, int fd, std::shared_ptr<Ofd> o, bool cloexec, const Event* by = nullptr);
  bool drop_fd(uint32_t proc, int fd);  // true when that closed the file's last description
  bool unref(std::shared_ptr<Ofd> o);   // the same, for a description no fd names any more
  std::string resolve(uint32_t proc, int64_t dirfd, std::string_view path);
  uint32_t by_path(const std::string& abs);             // placeholder when unknown
  uint32_t by_stat(const std::string& abs, const StatInfo& st, bool creating);
  uint32_t new_file(const std::string& abs);
  std::shared_ptr<Ofd> channel_ofd();
  Touch data_touch(Ofd* o, int64_t offset_arg, int64_t done, bool write);

  std::vector<Proc> procs_;
  std::vector<FileInfo> files_;  // [0] unused
  std::unordered_map<std::string, uint32_t> path_to_file_;
  std::unordered_map<uint64_t, uint32_t> inode_to_file_;  // dev ^ ino mix -> id
  std::unordered_map<int32_t, FdTable> fork_pending_, exec_pending_;  // by child pid
  std::unordered_map<int32_t, std::string> fork_cwd_, exec_cwd_;
  std::vector<int64_t> start_real_;  // per process: CLOCK_REALTIME at shim start (birth-time test)
  uint64_t next_channel_ = 1;
  uint64_t next_ofd_ = 1;
  std::vector<uint64_t> gone_ofds_;
};

}  // namespace aa
