#include "model_files.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include "model_paths.h"

namespace aa {

struct FileModel::Ofd {
  uint32_t file = 0;      // 0: not a regular file we can name
  uint64_t channel = 0;   // != 0: a pipe/eventfd/socket/tty or unseen inherited fd
  bool append = false;
  int64_t offset = 0;
  int refs = 0;           // fd table entries (over all processes) naming it
  std::string path;       // for dirfd-relative resolution and fchdir
  uint64_t id = 0;        // regular files opened in the log: FileEffects::ofd_*
  uint64_t opened_at = 0; // the open's return (t_exit)
};

namespace {
constexpr int64_t kAtFdCwd = -100;
constexpr int64_t kAtEmptyPath = 0x1000;
constexpr int64_t kAtRemoveDir = 0x200;
constexpr int64_t kCloseRangeCloexec = 4;
uint64_t inode_key(uint64_t dev, uint64_t ino) { return ino * 0x9e3779b97f4a7c15ull ^ dev; }
bool is_write_kind(aa_kind k) {
  return k == AA_WRITE || k == AA_PWRITE || k == AA_WRITEV || k == AA_PWRITEV;
}
bool is_read_kind(aa_kind k) { return k == AA_READ || k == AA_PREAD || k == AA_READV || k == AA_PREADV; }
}  // namespace

FileModel::FileModel(const std::vector<ProcessInfo>& procs) : procs_(procs.size()), files_(1) {
  for (size_t i = 0; i < procs.size(); ++i) {
    procs_[i].cwd = procs[i].cwd.empty() ? "/" : procs[i].cwd;
    procs_[i].pid = procs[i].pid;
  }
  start_real_.resize(procs.size());
  for (size_t i = 0; i < procs.size(); ++i) start_real_[i] = int64_t(procs[i].start_real_ns);
}
FileModel::~FileModel() = default;

void FileModel::begin_process(uint32_t proc) {
  Proc& p = procs_[proc];
  if (p.begun) return;
  p.begun = true;
  // A fork child's first event comes after the parent's fork record in merge
  // order; an exec'd image's log starts after the execve record.
  for (auto* pend : {&fork_pending_, &exec_pending_}) {
    auto it = pend->find(p.pid);
    if (it == pend->end()) continue;
    p.fds = std::move(it->second);
    pend->erase(it);
    auto& cwds = pend == &fork_pending_ ? fork_cwd_ : exec_cwd_;
    if (auto c = cwds.find(p.pid); c != cwds.end()) {
      p.cwd = c->second;
      cwds.erase(c);
    }
    return;
  }
}

void FileModel::end_process(uint32_t proc) {
  Proc& p = procs_[proc];
  std::vector<int> fds;
  for (auto& [n, f] : p.fds) fds.push_back(n);
  for (int n : fds) drop_fd(proc, n);
  for (auto& [n, d] : p.displaced) unref(std::move(d.ofd));
  p.displaced.clear();
}

std::shared_ptr<FileModel::Ofd> FileModel::channel_ofd() {
  auto o = std::make_shared<Ofd>();
  o->channel = next_channel_++;
  return o;
}

FileModel::Ofd* FileModel::fd(uint32_t proc, int n, const Event* e, bool* displaced) {
  auto& fds = procs_[proc].fds;
  auto& dis = procs_[proc].displaced;
  if (e && !dis.empty()) {
    if (auto d = dis.find(n); d != dis.end()) {
      if (e->tid != d->second.by_tid && e->t_exit < d->second.since) {
        if (displaced) *displaced = true;
        return d->second.ofd.get();
      }
      // Nothing that starts after the number was handed out again can mean the old one.
      if (e->t_enter > d->second.since) {
        unref(std::move(d->second.ofd));
        dis.erase(d);
      }
    }
  }
  auto it = fds.find(n);
  if (it != fds.end()) return it->second.ofd.get();
  if (n < 0) return nullptr;
  // Inherited without us seeing its open (stdio, a parent we did not trace):
  // we cannot name the file, so it only carries happens-before edges.
  put_fd(proc, n, channel_ofd(), false);
  return fds[n].ofd.get();
}

void FileModel::put_fd(uint32_t proc, int n, std::shared_ptr<Ofd> o, bool cloexec, const Event* by) {
  auto& fds = procs_[proc].fds;
  if (fds.count(n)) {
    if (fds[n].ofd == o) { fds[n].cloexec = cloexec; return; }
    if (by) {
      auto& d = procs_[proc].displaced[n];
      if (d.ofd) unref(std::move(d.ofd));
      d = Displaced{std::move(fds[n].ofd), by->t_exit, by->tid};
      fds.erase(n);
    } else {
      drop_fd(proc, n);
    }
  }
  ++o->refs;
  if (o->refs == 1 && o->file) ++files_[o->file].open_ofds;
  fds[n] = Fd{std::move(o), cloexec};
}

bool FileModel::drop_fd(uint32_t proc, int n) {
  auto& fds = procs_[proc].fds;
  auto it = fds.find(n);
  if (it == fds.end()) return false;
  auto o = std::move(it->second.ofd);
  fds.erase(it);
  return unref(std::move(o));
}

bool FileModel::unref(std::shared_ptr<Ofd> o) {
  if (--o->refs > 0) return false;
  if (o->id) gone_ofds_.push_back(o->id);
  if (!o->file) return false;
  FileInfo& f = files_[o->file];
  return --f.open_ofds <= 0;
}

std::string FileModel::resolve(uint32_t proc, int64_t dirfd, std::string_view path) {
  if (!path.empty() && path[0] == '/') return normalize_path(path);
  if (dirfd == kAtFdCwd || dirfd < 0) return absolute_path(procs_[proc].cwd, path);
  auto& fds = procs_[proc].fds;
  auto it = fds.find(int(dirfd));
  if (it == fds.end() || it->second.ofd->path.empty()) return absolute_path(procs_[proc].cwd, path);
  return absolute_path(it->second.ofd->path, path);
}

uint32_t FileModel::new_file(const std::string& abs) {
  files_.emplace_back();
  files_.back().path = abs;
  return uint32_t(files_.size() - 1);
}

uint32_t FileModel::by_path(const std::string& abs) {
  auto it = path_to_file_.find(abs);
  if (it != path_to_file_.end()) return it->second;
  uint32_t id = new_file(abs);
  path_to_file_[abs] = id;
  return id;
}

uint32_t FileModel::by_stat(const std::string& abs, const StatInfo& st, bool creating) {
  uint64_t key = inode_key(st.dev, st.ino);
  uint32_t id = 0;
  if (auto it = inode_to_file_.find(key); it != inode_to_file_.end()) {
    FileInfo& f = files_[it->second];
    bool other_birth = st.btime_ns && f.btime && st.btime_ns != f.btime;
    // An unlinked inode number is reused at once by the next create.
    if (!other_birth && !(creating && f.unlinked)) id = it->second;
  }
  if (!id && !abs.empty()) {
    auto p = path_to_file_.find(abs);
    if (p != path_to_file_.end() && files_[p->second].placeholder) id = p->second;  // adopt
  }
  if (!id) id = new_file(abs);
  FileInfo& f = files_[id];
  f.dev = st.dev;
  f.ino = st.ino;
  if (st.btime_ns) f.btime = st.btime_ns;
  f.placeholder = false;
  f.unlinked = false;
  f.regular = st.mode == 0 || S_ISREG(st.mode);
  f.size = st.size;
  if (!abs.empty()) {
    f.path = abs;
    path_to_file_[abs] = id;
  }
  inode_to_file_[key] = id;
  return id;
}

Touch FileModel::data_touch(Ofd* o, int64_t offset_arg, int64_t done, bool write) {
  FileInfo& f = files_[o->file];
  int64_t start;
  if (offset_arg >= 0) {
    start = offset_arg;
  } else {
    start = write && o->append ? std::max<int64_t>(f.size, 0) : o->offset;
    o->offset = start + std::max<int64_t>(done, 0);
  }
  Touch t;
  t.file = o->file;
  t.off = start;
  t.write = write;
  if (write && done > 0) {
    t.size_after = std::max<int64_t>(f.size, start + done);
    f.size = t.size_after;
  }
  if (write) f.written = true;
  return t;
}

FileEffects FileModel::apply(const Event& e) {
  FileEffects fx;
  const uint32_t pr = e.proc;
  const bool ok = e.ret >= 0;
  auto& fds = procs_[pr].fds;
  auto used = [&](Ofd* o) {
    if (o && o->id && !fx.ofd_used && e.t_enter >= o->opened_at) fx.ofd_used = o->id;
    return o;
  };
  auto file_fd = [&](int64_t n) -> Ofd* {
    Ofd* o = used(fd(pr, int(n), &e));
    return o && o->file ? o : nullptr;
  };
  switch (e.kind) {
    case AA_OPEN: {
      std::string abs = resolve(pr, e.a[0], e.path);
      int64_t flags = e.a[1];
      if (!ok) {
        Touch t; t.file = by_path(abs); fx.add(t);
        break;
      }
      auto o = std::make_shared<Ofd>();
      o->path = abs;
      o->append = flags & O_APPEND;
      bool regular = !e.st || e.st->mode == 0 || S_ISREG(e.st->mode);
      if (e.st && (S_ISFIFO(e.st->mode) || S_ISSOCK(e.st->mode) || S_ISCHR(e.st->mode))) {
        o->channel = next_channel_++;
      } else if (regular) {
        auto prior = path_to_file_.find(abs);
        bool known = prior != path_to_file_.end() && !files_[prior->second].placeholder &&
                     !files_[prior->second].unlinked;
        bool writable = (flags & O_ACCMODE) != O_RDONLY;
        bool created = false;
        if (flags & O_CREAT) {
          if (flags & O_EXCL) created = true;
          else if (!known && e.st)
            created = e.st->btime_ns ? e.st->btime_ns >= start_real_[pr] : e.st->size == 0;
        }
        o->file = e.st ? by_stat(abs, *e.st, created) : by_path(abs);
        o->id = fx.ofd_created = next_ofd_++;
        o->opened_at = e.t_exit;
        bool truncated = (flags & O_TRUNC) && writable;
        if (created || truncated) {
          Touch t;
          t.file = o->file;
          t.write = t.created = true;
          t.off = 0;
          t.len = -1;
          t.size_after = 0;
          files_[o->file].size = 0;
          files_[o->file].written = true;
          fx.add(t);
        }
      }
      put_fd(pr, int(e.ret), std::move(o), flags & O_CLOEXEC, &e);
      break;
    }
    case AA_CLOSE: {
      bool displaced = false;
      Ofd* o = used(fd(pr, int(e.a[0]), &e, &displaced));
      uint32_t file = o ? o->file : 0;
      bool last = false;
      if (displaced) {
        auto d = procs_[pr].displaced.find(int(e.a[0]));
        last = unref(std::move(d->second.ofd));
        procs_[pr].displaced.erase(d);
      } else {
        last = drop_fd(pr, int(e.a[0]));
      }
      if (file) {
        Touch t; t.file = file; t.last_close = last; fx.add(t);
      }
      break;
    }
    case AA_CLOSE_RANGE: {
      if (!ok) break;
      int64_t lo = e.a[0], hi = e.a[1];
      std::vector<int> hit;
      for (auto& [n, f] : fds)
        if (n >= lo && n <= hi) hit.push_back(n);
      for (int n : hit) {
        if (e.a[2] & kCloseRangeCloexec) fds[n].cloexec = true;
        else drop_fd(pr, n);
      }
      break;
    }
    case AA_DUP: {
      if (!ok || e.ret == e.a[0]) break;
      used(fd(pr, int(e.a[0])));
      auto src = fds.find(int(e.a[0]));
      if (src != fds.end()) put_fd(pr, int(e.ret), src->second.ofd, e.a[2] & O_CLOEXEC);
      break;
    }
    case AA_FCNTL: {
      int64_t cmd = e.a[1];
      if (!ok) break;
      if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
        used(fd(pr, int(e.a[0])));
        auto src = fds.find(int(e.a[0]));
        if (src != fds.end()) put_fd(pr, int(e.ret), src->second.ofd, cmd == F_DUPFD_CLOEXEC, &e);
      } else if (cmd == F_SETFD) {
        if (auto it = fds.find(int(e.a[0])); it != fds.end()) it->second.cloexec = e.a[2] & FD_CLOEXEC;
      } else if (cmd == F_SETFL) {
        if (Ofd* o = fd(pr, int(e.a[0]))) o->append = e.a[2] & O_APPEND;
      }
      break;
    }
    case AA_CHDIR: {
      if (!ok) break;
      if (!e.path.empty()) procs_[pr].cwd = resolve(pr, kAtFdCwd, e.path);
      else if (auto it = fds.find(int(e.a[0])); it != fds.end() && !it->second.ofd->path.empty())
        procs_[pr].cwd = it->second.ofd->path;
      break;
    }
    case AA_WRITE: case AA_PWRITE: case AA_WRITEV: case AA_PWRITEV:
    case AA_READ: case AA_PREAD: case AA_READV: case AA_PREADV: {
      Ofd* o = used(fd(pr, int(e.a[0]), &e));
      if (!o) break;
      bool write = is_write_kind(e.kind);
      if (o->channel) {
        fx.channel = o->channel;
        fx.channel_write = write;
        break;
      }
      if (!o->file) break;
      Touch t = data_touch(o, e.a[2], e.ret, write);
      t.len = e.a[1];  // the requested range: a short result is what we want to see
      fx.add(t);
      break;
    }
    case AA_LSEEK: {
      if (!ok) break;
      if (Ofd* o = used(fd(pr, int(e.a[0]), &e))) o->offset = e.ret;
      break;
    }
    case AA_FTRUNCATE: case AA_TRUNCATE: {
      uint32_t file = 0;
      if (e.kind == AA_FTRUNCATE) {
        if (Ofd* o = file_fd(e.a[0])) file = o->file;
      } else {
        file = by_path(resolve(pr, kAtFdCwd, e.path));
      }
      if (!file) break;
      Touch t; t.file = file; t.write = true; t.off = 0; t.len = -1; t.size_after = e.a[1];
      if (ok) files_[file].size = e.a[1];
      files_[file].written = true;
      fx.add(t);
      break;
    }
    case AA_FALLOCATE: {
      Ofd* o = file_fd(e.a[0]);
      if (!o) break;
      Touch t; t.file = o->file; t.write = true; t.off = e.a[2]; t.len = e.a[3];
      if (!(e.a[1] & 1)) t.size_after = std::max(files_[o->file].size, e.a[2] + e.a[3]);
      files_[o->file].written = true;
      if (ok && t.size_after >= 0) files_[o->file].size = t.size_after;
      fx.add(t);
      break;
    }
    case AA_COPY_FILE_RANGE: {
      if (Ofd* in = file_fd(e.a[0])) {
        Touch t = data_touch(in, e.a[1], e.ret, false); t.len = e.a[4]; fx.add(t);
      }
      if (Ofd* out = file_fd(e.a[2])) {
        Touch t = data_touch(out, e.a[3], e.ret, true); t.len = e.a[4]; fx.add(t);
      }
      break;
    }
    case AA_SENDFILE: {
      if (Ofd* in = file_fd(e.a[1])) {
        Touch t = data_touch(in, e.a[2], e.ret, false); t.len = e.a[3]; fx.add(t);
      }
      if (Ofd* out = file_fd(e.a[0])) {
        Touch t = data_touch(out, -1, e.ret, true); t.len = e.a[3]; fx.add(t);
      }
      break;
    }
    case AA_STAT: case AA_STATX: case AA_ACCESS: {
      if (e.kind != AA_ACCESS && (e.a[1] & kAtEmptyPath) && e.path.empty()) {
        if (Ofd* o = file_fd(e.a[0])) { Touch t; t.file = o->file; fx.add(t); }
        break;
      }
      std::string abs = resolve(pr, e.a[0], e.path);
      Touch t;
      if (ok && e.st) {
        if (e.st->mode && !S_ISREG(e.st->mode)) break;  // directories, devices
        t.file = by_stat(abs, *e.st, false);
      } else {
        t.file = by_path(abs);
      }
      fx.add(t);
      break;
    }
    case AA_FSTAT: case AA_FSYNC: case AA_FDATASYNC: case AA_SYNC_FILE_RANGE: case AA_SYNCFS: {
      if (Ofd* o = file_fd(e.a[0])) {
        Touch t; t.file = o->file;
        if (e.kind == AA_FSTAT && ok && e.st) files_[o->file].size = e.st->size;
        fx.add(t);
      }
      break;
    }
    case AA_RENAME: case AA_LINK: {
      std::string from = resolve(pr, e.a[0], e.path), to = resolve(pr, e.a[1], e.path2);
      uint32_t id = by_path(from);
      Touch t; t.file = id; fx.add(t);
      if (!ok) break;
      if (e.kind == AA_RENAME) {
        if (auto old = path_to_file_.find(to); old != path_to_file_.end() && old->second != id) {
          Touch r; r.file = old->second; fx.add(r);  // the file it replaced
          files_[old->second].unlinked = true;
        }
        path_to_file_.erase(from);
        files_[id].path = to;
      }
      path_to_file_[to] = id;
      break;
    }
    case AA_UNLINK: {
      if (e.a[1] & kAtRemoveDir) break;
      std::string abs = resolve(pr, e.a[0], e.path);
      uint32_t id = by_path(abs);
      Touch t; t.file = id; fx.add(t);
      if (ok) {
        files_[id].unlinked = true;
        path_to_file_.erase(abs);
      }
      break;
    }
    case AA_MMAP: {
      if (Ofd* o = file_fd(e.a[0]))
        fx.mmap_of_written = (e.a[2] & 2) && (e.a[3] & 1) && files_[o->file].written;
      break;
    }
    case AA_PIPE: case AA_SOCKETPAIR: {
      if (!ok) break;
      auto o = channel_ofd();
      bool cloexec = e.kind == AA_PIPE ? (e.a[2] & O_CLOEXEC) : (e.a[3] & O_CLOEXEC);
      put_fd(pr, int(e.a[0]), o, cloexec, &e);
      put_fd(pr, int(e.a[1]), o, cloexec, &e);
      break;
    }
    case AA_EVENTFD: case AA_SOCKET: {
      if (!ok) break;
      bool cloexec = e.kind == AA_EVENTFD ? (e.a[1] & O_CLOEXEC) : (e.a[1] & O_CLOEXEC);
      put_fd(pr, int(e.ret), channel_ofd(), cloexec, &e);
      break;
    }
    case AA_FORK: {
      if (e.ret <= 0) break;
      FdTable copy = fds;
      for (auto& [n, f] : copy) ++f.ofd->refs;
      fork_pending_[int32_t(e.ret)] = std::move(copy);
      fork_cwd_[int32_t(e.ret)] = procs_[pr].cwd;
      break;
    }
    case AA_SPAWN: {
      auto it = path_to_file_.find(resolve(pr, kAtFdCwd, e.path));
      if (it != path_to_file_.end()) { Touch t; t.file = it->second; fx.add(t); }
      break;
    }
    case AA_EXECVE: {
      std::string abs = resolve(pr, kAtFdCwd, e.path);
      FdTable kept;
      for (auto& [n, f] : fds)
        if (!f.cloexec) {
          kept[n] = f;
          ++f.ofd->refs;
        }
      exec_pending_[procs_[pr].pid] = std::move(kept);
      exec_cwd_[procs_[pr].pid] = procs_[pr].cwd;
      auto it = path_to_file_.find(abs);
      if (it != path_to_file_.end()) { Touch t; t.file = it->second; fx.add(t); }
      break;
    }
    default:
      break;
  }
  (void)is_read_kind;
  return fx;
}

}  // namespace aa
