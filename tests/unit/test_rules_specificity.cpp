// Profile choice on real frame lists (tokio 1.24.2, rustc 1.95, the
// tokio-stale-metadata example, outermost frames trimmed): the write_all
// finding must name tokio-file-write, not the spawn_blocking every tokio::fs
// call passes through.
#include <doctest/doctest.h>

#include "rules.h"

namespace {
std::vector<aa::Frame> frames(std::initializer_list<const char*> fns) {
  std::vector<aa::Frame> out;
  for (const char* f : fns) {
    aa::Frame fr;
    fr.function = f;
    out.push_back(fr);
  }
  return out;
}

// The blocking-pool thread's write(2) inside poll_write's closure.
const auto kWriteAllWrite = frames({
    "<&std::fs::File as std::io::Write>::write",
    "std::io::Write::write_all",
    "tokio::io::blocking::Buf::write_to",
    "<tokio::fs::file::File as tokio::io::async_write::AsyncWrite>::poll_write::{{closure}}",
    "<tokio::runtime::blocking::task::BlockingTask<T> as core::future::future::Future>::poll",
    "tokio::runtime::task::core::Core<T,S>::poll",
    "tokio::runtime::blocking::pool::Task::run",
    "tokio::runtime::blocking::pool::Inner::run",
});
// The runtime thread's handoff as the analysis picked it in that run: the
// wake of the metadata() spawn that followed write_all.
const auto kMetadataSpawn = frames({
    "tokio::runtime::blocking::pool::Spawner::spawn_task",
    "tokio::runtime::blocking::pool::Spawner::spawn_blocking_inner",
    "tokio::runtime::blocking::pool::Spawner::spawn_blocking",
    "tokio::runtime::handle::Handle::spawn_blocking",
    "tokio::runtime::blocking::pool::spawn_blocking",
    "tokio::fs::asyncify::{{closure}}",
    "tokio::fs::file::File::metadata::{{closure}}",
    "tokio_stale_metadata::main::{{closure}}",
});
// A tokio::fs::write job: the write runs in asyncify's closure.
const auto kFsWriteWrite = frames({
    "<&std::fs::File as std::io::Write>::write",
    "std::io::Write::write_all",
    "std::fs::write::inner",
    "tokio::fs::write::write::{{closure}}::{{closure}}",
    "<tokio::runtime::blocking::task::BlockingTask<T> as core::future::future::Future>::poll",
    "tokio::runtime::blocking::pool::Inner::run",
});
const auto kFsWriteSpawn = frames({
    "tokio::runtime::blocking::pool::Spawner::spawn_blocking",
    "tokio::runtime::blocking::pool::spawn_blocking",
    "tokio::fs::asyncify::{{closure}}",
    "tokio::fs::write::write::{{closure}}",
    "app::main::{{closure}}",
});
}  // namespace

TEST_CASE("profile specificity: poll_write in the write's own stack beats spawn_blocking in the submission's") {
  aa::RuleSet rs = aa::RuleSet::load_from(AA_SOURCE_RULES_DIR);
  const aa::Profile* p = rs.match_profile(kWriteAllWrite, kMetadataSpawn, {});
  REQUIRE(p);
  CHECK(p->name == "tokio-file-write");
  CHECK(p->hint.find("flush().await") != std::string::npos);

  // Twin: a tokio::fs::write job has no poll_write anywhere: spawn_blocking's
  // profile, with its JoinHandle hint.
  const aa::Profile* q = rs.match_profile(kFsWriteWrite, kFsWriteSpawn, {});
  REQUIRE(q);
  CHECK(q->name == "tokio-spawn-blocking");
}
