#include "processors/detectors/detect_run.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <vector>

#include "base/json_writer.h"
#include "base/logging.h"
#include "base/process_stats.h"
#include "processors/detectors/alert.h"
#include "processors/detectors/alert_formats.h"
#include "processors/detectors/engine.h"
#include "processors/detectors/file_input.h"
#include "processors/ingest/ingest.h"
#include "state/memory_budget.h"
#include "state/state_store.h"

namespace vw::detect {
namespace {

// Where an alert is in the spool, and what it sorts by.
struct SpooledAlert {
  int64_t generated_us;
  std::string type, id;
  uint64_t offset;
  uint32_t size;
};

// Collects the run's alerts for output in a deterministic order (generated time, type, id), the
// order the engine does not emit them in. Each alert goes to an unlinked spool file beside the
// state as it is raised (its serialised Alert, after `alert_transform`); only the sort key and
// position stay in memory, about 100 bytes an alert instead of the 2.5 KB of a rendered one, so a
// long run with many alerts (118,804 at 4.86M keys held ~280 MiB) stays within the state budget.
class Collector final : public AlertSink {
 public:
  Collector(const std::function<void(v1::Alert*)>& transform, int spool_fd)
      : transform_(transform), spool_fd_(spool_fd) {}
  void OnAlert(const v1::Alert& a) override {
    if (!status_.ok()) return;
    const v1::Alert* alert = &a;
    if (transform_) {
      copy_ = a;
      transform_(&copy_);
      alert = &copy_;
    }
    if (!alert->SerializeToString(&bytes_)) {
      status_ = Status::Internal("detect: an alert could not be serialised");
      return;
    }
    status_ = WriteAll(bytes_);
    if (!status_.ok()) return;
    alerts.push_back({alert->generated_time_us(), alert->alert_type(), alert->system_alert_id(),
                      end_, static_cast<uint32_t>(bytes_.size())});
    end_ += bytes_.size();
  }
  // Reads back the alert at `ref` into `*alert`.
  Status Read(const SpooledAlert& ref, v1::Alert* alert) {
    bytes_.resize(ref.size);
    size_t done = 0;
    while (done < ref.size) {
      const ssize_t n = pread(spool_fd_, bytes_.data() + done, ref.size - done,
                              static_cast<off_t>(ref.offset + done));
      if (n <= 0) return Status::IOError("detect: reading the alert spool failed");
      done += static_cast<size_t>(n);
    }
    if (!alert->ParseFromString(bytes_)) return Status::Internal("detect: corrupt alert spool");
    return Status::OK();
  }
  const Status& status() const { return status_; }
  std::vector<SpooledAlert> alerts;

 private:
  Status WriteAll(const std::string& b) {
    size_t done = 0;
    while (done < b.size()) {
      const ssize_t n =
          pwrite(spool_fd_, b.data() + done, b.size() - done, static_cast<off_t>(end_ + done));
      if (n <= 0) return Status::IOError("detect: writing the alert spool failed (disk full?)");
      done += static_cast<size_t>(n);
    }
    return Status::OK();
  }

  const std::function<void(v1::Alert*)>& transform_;
  int spool_fd_;
  uint64_t end_ = 0;
  v1::Alert copy_;
  std::string bytes_;
  Status status_;
};

class Pipeline final : public ingest::RecordSink {
 public:
  Pipeline(Engine* engine, state::StateStore* store, const DetectRunOptions& options,
           const Clock* clock, int spool_fd)
      : engine_(engine),
        store_(store),
        options_(options),
        clock_(clock),
        alerts_(options.alert_transform, spool_fd) {
    start_us_ = clock_->MonotonicMicros();
  }

  void OnEvent(v1::AccessEvent&& event) override {
    engine_->Process(std::move(event), alerts_);
    ++events_;
    // Also when the store's write cache is half full: with many keys, a commit every
    // `commit_every` events would overflow it into the spill area (StateStore::WantsCommit).
    if ((options_.commit_every > 0 &&
         events_ % static_cast<uint64_t>(options_.commit_every) == 0) ||
        ((events_ & 1023) == 0 && store_->WantsCommit())) {
      if (status_.ok()) status_ = Commit();
    }
    if (options_.progress && (events_ & 0x3fff) == 0) {
      int64_t now = clock_->MonotonicMicros();
      if (now - last_progress_us_ > 250000) {
        last_progress_us_ = now;
        double s = static_cast<double>(now - start_us_) / 1e6;
        std::fprintf(stderr, "\rdetect: %llu events, %zu alerts, %.0f events/s   ",
                     static_cast<unsigned long long>(events_), alerts_.alerts.size(),
                     s > 0 ? static_cast<double>(events_) / s : 0.0);
        std::fflush(stderr);
      }
    }
  }

  void OnDeadLetter(ingest::DeadLetter&& dead) override {
    if (++dead_ <= 5) {
      VW_LOG(Warn, "dead letter")
          .Field("reason", dead.reason)
          .Field("source", dead.source.source());
    }
  }

  Status Commit() {
    state::CommitPoint point;
    VW_ASSIGN_OR_RETURN(point, store_->LastCommit());
    engine_->PrepareCommit(&point);
    return store_->Commit(point);
  }

  Engine* engine_;
  state::StateStore* store_;
  const DetectRunOptions& options_;
  const Clock* clock_;
  Collector alerts_;
  uint64_t events_ = 0, dead_ = 0;
  int64_t start_us_ = 0, last_progress_us_ = 0;
  Status status_;
};

}  // namespace

std::string DetectRunSummary::ToText() const {
  std::string s;
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "detect: %llu records, %llu events, %llu dead letters, %llu skipped, %llu late "
      "(beyond the allowed lateness), %llu alerts (%llu suppressed as duplicates)\n",
      static_cast<unsigned long long>(records_in), static_cast<unsigned long long>(events),
      static_cast<unsigned long long>(dead_letters), static_cast<unsigned long long>(skipped),
      static_cast<unsigned long long>(late), static_cast<unsigned long long>(alerts),
      static_cast<unsigned long long>(suppressed));
  s += buf;
  if (alerts_filtered > 0) {
    std::snprintf(buf, sizeof buf, "detect: %llu alerts not written (suppressed by feedback)\n",
                  static_cast<unsigned long long>(alerts_filtered));
    s += buf;
  }
  for (const auto& [type, n] : alerts_by_type) {
    std::snprintf(buf, sizeof buf, "  %-38s %llu\n", type.c_str(),
                  static_cast<unsigned long long>(n));
    s += buf;
  }
  std::snprintf(buf, sizeof buf,
                "detect: %.2f s wall, %.2f s CPU, %.0f events/s, %.0f events per CPU-second, "
                "peak RSS %lld MiB\n",
                seconds, cpu_seconds, seconds > 0 ? static_cast<double>(events) / seconds : 0.0,
                cpu_seconds > 0 ? static_cast<double>(events) / cpu_seconds : 0.0,
                static_cast<long long>(peak_rss_kb / 1024));
  s += buf;
  const double per_event = events > 0 ? 1.0 / static_cast<double>(events) : 0.0;
  std::snprintf(buf, sizeof buf,
                "detect: state reads per event: %.2f, %.2f missed the cache, of which %.2f were "
                "answered by the key filter and %.2f read RocksDB\n",
                static_cast<double>(state_cache_hits + state_cache_misses) * per_event,
                static_cast<double>(state_cache_misses) * per_event,
                static_cast<double>(state_filter_skipped) * per_event,
                static_cast<double>(state_cache_misses - state_filter_skipped) * per_event);
  s += buf;
  if (migrated_keys > 0) {
    std::snprintf(buf, sizeof buf,
                  "detect: %llu key entries moved from the names of an older store's format\n",
                  static_cast<unsigned long long>(migrated_keys));
    s += buf;
  }
  return s;
}

std::string DetectRunSummary::ToJson() const {
  // Every number as "%.6g", counts too: the format readers of this line (report
  // --detect-summary, the e2e checks) were written against.
  JsonWriter w;
  w.BeginObject();
  w.Key("records_in").Double6g(static_cast<double>(records_in));
  w.Key("events").Double6g(static_cast<double>(events));
  w.Key("dead_letters").Double6g(static_cast<double>(dead_letters));
  w.Key("skipped").Double6g(static_cast<double>(skipped));
  w.Key("late").Double6g(static_cast<double>(late));
  w.Key("alerts").Double6g(static_cast<double>(alerts));
  w.Key("suppressed").Double6g(static_cast<double>(suppressed));
  w.Key("alerts_filtered").Double6g(static_cast<double>(alerts_filtered));
  w.Key("seconds").Double6g(seconds);
  w.Key("cpu_seconds").Double6g(cpu_seconds);
  w.Key("peak_rss_kb").Double6g(static_cast<double>(peak_rss_kb));
  w.Key("alerts_by_type").BeginObject();
  for (const auto& [type, n] : alerts_by_type) w.Key(type).Uint(n);
  w.EndObject();
  w.EndObject();
  return w.Take();
}

Result<DetectRunSummary> RunDetect(const DetectConfig& config, const DetectRunOptions& options) {
  const Clock* clock = options.clock != nullptr ? options.clock : SystemClock::Default();
  namespace fs = std::filesystem;
  std::string dir = options.state_dir;
  bool temporary = dir.empty();
  if (temporary) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/vaultwatch-detect-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) return Status::IOError(templ + ": cannot create state dir");
    dir = buf.data();
  }
  struct Cleanup {
    std::string dir;
    bool on;
    ~Cleanup() {
      if (!on) return;
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir, temporary};

  // One store and one engine: each gets the whole of its share of the budget.
  const std::shared_ptr<state::MemoryBudget> budget =
      state::MemoryBudget::Create(static_cast<size_t>(config.memory_budget_mib) << 20);
  state::StoreOptions so;
  so.path = dir;
  so.budget = budget;
  so.write_cache_bytes = budget->StoreCacheShare(1);
  VW_ASSIGN_OR_RETURN(std::unique_ptr<state::StateStore> store, state::StateStore::Open(so));
  VW_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine,
                      Engine::Create(config, Keying::kBoth, store.get()));
  engine->SetKeyCacheBytes(budget->KeyCacheShare(1));
  if (options.event_transform) engine->SetEventTransform(options.event_transform);
  engine->SetEarlyAlerts(options.early_alerts);

  // Open the output first, so that a bad path fails before the work.
  FILE* out = stdout;
  if (options.output != "-") {
    out = std::fopen(options.output.c_str(), "wb");
    if (out == nullptr) return Status::IOError(options.output + ": cannot open for writing");
  }

  // The alert spool (Collector): in the state directory, which is writable, and unlinked at once,
  // so that it goes away with the process however the run ends.
  std::string spool_path = dir + "/.alerts-spool-XXXXXX";
  const int spool_fd = mkstemp(spool_path.data());
  if (spool_fd < 0) {
    if (out != stdout) std::fclose(out);
    return Status::IOError(spool_path + ": cannot create the alert spool");
  }
  unlink(spool_path.c_str());
  struct CloseSpool {
    int fd;
    ~CloseSpool() { close(fd); }
  } close_spool{spool_fd};

  const double cpu0 = CpuSeconds();
  const int64_t t0 = clock->MonotonicMicros();
  ingest::Ingestor ingestor;
  Pipeline pipe(engine.get(), store.get(), options, clock, spool_fd);
  Status st = ingest::IngestFile(options.input, ingestor, pipe);
  if (st.ok()) st = pipe.status_;
  if (st.ok()) {
    engine->Flush(pipe.alerts_);
    st = pipe.Commit();
  }
  if (st.ok()) st = pipe.alerts_.status();
  if (options.progress) std::fprintf(stderr, "\n");
  if (!st.ok()) {
    if (out != stdout) std::fclose(out);
    return st;
  }

  std::vector<SpooledAlert>& alerts = pipe.alerts_.alerts;
  std::sort(alerts.begin(), alerts.end(), [](const SpooledAlert& a, const SpooledAlert& b) {
    if (a.generated_us != b.generated_us) return a.generated_us < b.generated_us;
    if (a.type != b.type) return a.type < b.type;
    return a.id < b.id;
  });
  uint64_t filtered = 0;
  v1::Alert alert;
  for (const SpooledAlert& a : alerts) {
    st = pipe.alerts_.Read(a, &alert);
    if (!st.ok()) break;
    if (options.keep_alert && !options.keep_alert(alert)) {
      ++filtered;
      continue;
    }
    const std::string json = RenderAlert(alert, options.alert_format);
    std::fwrite(json.data(), 1, json.size(), out);
    std::fputc('\n', out);
  }
  if (!st.ok()) {
    if (out != stdout) std::fclose(out);
    return st;
  }
  bool write_failed = std::ferror(out) != 0;
  if (out != stdout) {
    write_failed |= std::fclose(out) != 0;
  } else {
    write_failed |= std::fflush(out) != 0;
  }
  if (write_failed) return Status::IOError(options.output + ": write failed");

  DetectRunSummary sum;
  const ingest::IngestCounters& ic = ingestor.counters();
  const EngineStats& es = engine->stats();
  sum.records_in = ic.records_in;
  sum.events = ic.accepted;
  sum.dead_letters = ic.deadlettered;
  sum.skipped = ic.skipped;
  sum.late = es.late_dropped;
  sum.ignored = es.ignored;
  sum.alerts = es.alerts;
  sum.suppressed = es.suppressed;
  sum.alerts_filtered = filtered;
  sum.alerts_by_type = es.alerts_by_type;
  sum.seconds = static_cast<double>(clock->MonotonicMicros() - t0) / 1e6;
  sum.cpu_seconds = CpuSeconds() - cpu0;
  sum.peak_rss_kb = PeakRssKb();
  const state::StoreStats store_stats = store->Stats();
  sum.state_cache_hits = store_stats.cache_hits;
  sum.state_cache_misses = store_stats.cache_misses;
  sum.state_filter_skipped = store_stats.filter_skipped_reads;
  sum.migrated_keys = es.migrated_keys;
  store.reset();
  return sum;
}

}  // namespace vw::detect
