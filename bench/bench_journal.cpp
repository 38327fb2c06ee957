// One scheduler tick's journal group commit (detail::Journal: records encoded and
// hash-chained, one write, one fdatasync) against a raw write + fdatasync of the same bytes
// on the same file system, in the same run. Arg = records in the tick (heartbeats sent).
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/journal_format.hpp"
#include "core/protocol.hpp"
#include "core/session_machine.hpp"
#include "journal.hpp"
#include "logger.hpp"

namespace cm = creditmeter;

namespace {

std::string g_root;  // on the disk under test (not tmpfs): set by main

std::vector<cm::core::JournalOp> tick_ops(int records, std::uint64_t seq) {
  std::vector<cm::core::JournalOp> ops;
  for (int i = 0; i < records; ++i) {
    cm::core::JournalOp op;
    op.kind = cm::core::JournalOp::Kind::sent;
    op.request.kind = cm::core::Outgoing::Kind::heartbeat;
    op.request.seq = seq;
    op.request.active_ms = 60000;
    op.request.idempotency_key = "0b6f3c1e-8d7a-4e52-9f3b-2a1c5d7e9f01:" + std::to_string(seq);
    op.request.body = cm::core::heartbeat_body("0b6f3c1e-8d7a-4e52-9f3b-2a1c5d7e9f01", seq, 60000,
                                               "2026-01-01T00:00:00.000Z", "2026-01-01T00:01:00.000Z");
    ops.push_back(std::move(op));
  }
  return ops;
}

const std::string kSession = "0b6f3c1e-8d7a-4e52-9f3b-2a1c5d7e9f01";

void BM_journal_group_commit(benchmark::State& state) {
  const int records = static_cast<int>(state.range(0));
  cm::detail::Logger logger(nullptr, cm::LogLevel::error, "");
  auto journal = cm::detail::Journal::open(g_root + "/sdk", "http://127.0.0.1:1", "benchacct", 1ull << 40, logger);
  if (!journal) {
    state.SkipWithError("journal open failed");
    return;
  }
  std::uint64_t seq = 1;
  std::uint64_t bytes0 = journal->size();
  for (auto _ : state) {
    state.PauseTiming();
    auto ops = tick_ops(records, seq++);  // what the machines produced this tick (not timed)
    state.ResumeTiming();
    journal->append_ops(kSession, ops);  // the scheduler's absorb()
    if (!journal->commit()) state.SkipWithError("commit failed");
  }
  state.counters["bytes_per_commit"] =
      static_cast<double>(journal->size() - bytes0) / static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
  journal->set_clean(true);
}
BENCHMARK(BM_journal_group_commit)->Arg(1)->Arg(16)->UseRealTime();

void BM_baseline_write_fdatasync(benchmark::State& state) {
  const int records = static_cast<int>(state.range(0));
  // The same bytes the journal writes for this tick (same records, same encoding).
  std::string bytes;
  cm::core::ChainHash chain{};
  for (const auto& op : tick_ops(records, 1)) cm::core::encode_record(cm::core::journal_op_record(kSession, op), chain, bytes);
  const std::string path = g_root + "/raw.log";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    state.SkipWithError("open failed");
    return;
  }
  for (auto _ : state) {
    state.PauseTiming();
    state.ResumeTiming();  // the same timer overhead as the journal benchmark
    if (::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()) || ::fdatasync(fd) != 0) {
      state.SkipWithError("write failed");
    }
  }
  state.counters["bytes_per_commit"] = static_cast<double>(bytes.size());
  ::close(fd);
  ::unlink(path.c_str());
}
BENCHMARK(BM_baseline_write_fdatasync)->Arg(1)->Arg(16)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  // CREDITMETER_BENCH_DIR: where the files go (default: the current directory, so the build
  // tree's disk is measured, not a tmpfs /tmp).
  const char* base = std::getenv("CREDITMETER_BENCH_DIR");
  std::string tmpl = std::string(base != nullptr && base[0] != '\0' ? base : ".") + "/cmbench-journal-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  g_root = buf.data();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::string cmd = "rm -rf '" + g_root + "'";
  return std::system(cmd.c_str()) == 0 ? 0 : 1;
}
