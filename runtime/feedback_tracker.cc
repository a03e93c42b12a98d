#include "runtime/feedback_tracker.h"

#include <chrono>
#include <set>

#include "base/logging.h"
#include "kafka/errors.h"

namespace vw::runtime {

FeedbackTracker::FeedbackTracker(FeedbackTrackerOptions options, Metrics* metrics)
    : options_(std::move(options)),
      metrics_(metrics),
      snapshot_(std::make_shared<const std::vector<alerts::Suppression>>()) {}

FeedbackTracker::~FeedbackTracker() { Stop(); }

Status FeedbackTracker::Connect() {
  consumer_.reset();
  kafka::Config cc = options_.consumer_config;
  cc["enable.partition.eof"] = "true";
  // Manual assignment, nothing committed; librdkafka 2.0.2 still insists on a group.id.
  if (cc.count("group.id") == 0) cc["group.id"] = options_.name;
  cc.erase("group.instance.id");
  VW_ASSIGN_OR_RETURN(consumer_, kafka::Consumer::Create(cc));
  kafka::OffsetMap start;
  for (int p = 0; p < options_.alerts_partitions; ++p)
    start[{options_.alerts_topic, PartitionId(p)}] = KafkaOffset(-2);
  for (int p = 0; p < options_.feedback_partitions; ++p)
    start[{options_.feedback_topic, PartitionId(p)}] = KafkaOffset(-2);
  VW_RETURN_IF_ERROR(consumer_->Assign(start));
  filter_ = std::make_unique<alerts::AlertFilter>();
  newest_alert_us_ = 0;
  published_count_ = 0;
  return Status::OK();
}

Status FeedbackTracker::Start() {
  VW_RETURN_IF_ERROR(Connect());
  thread_ = std::thread([this] { Loop(); });
  return Status::OK();
}

void FeedbackTracker::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  consumer_.reset();
}

bool FeedbackTracker::WaitUntilCaughtUp(const std::atomic<bool>& stop) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!caught_up_) {
    if (stop.load()) return false;
    caught_up_cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
  return true;
}

SuppressionSnapshot FeedbackTracker::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

void FeedbackTracker::Publish(bool force) {
  const std::vector<alerts::Suppression>& all = filter_->suppressions();
  int64_t active = 0;
  for (const auto& s : all) active += (s.until_us == 0 || s.until_us > newest_alert_us_) ? 1 : 0;
  metrics_->SetSuppressionsActive(active);
  if (!force && all.size() == published_count_) return;
  for (size_t i = published_count_; i < all.size(); ++i) {
    // Alert ids and types are not personal data; the scope key (accounts) is not logged.
    VW_LOG(Info, "feedback: suppression in force")
        .Field("alert", all[i].source_alert_id)
        .Field("type", all[i].alert_type)
        .Field("scope", alerts::ScopeName(all[i].scope));
  }
  published_count_ = all.size();
  auto next = std::make_shared<const std::vector<alerts::Suppression>>(all);
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_ = std::move(next);
}

void FeedbackTracker::Loop() {
  using Clock = std::chrono::steady_clock;
  const size_t partitions =
      static_cast<size_t>(options_.alerts_partitions + options_.feedback_partitions);
  std::set<kafka::TopicPartition> at_end;
  bool caught_up = false;
  auto started = Clock::now();
  uint64_t alerts_read = 0, verdicts_read = 0;
  std::vector<kafka::Message> batch;
  std::vector<kafka::TopicPartition> eof;
  while (!stop_.load()) {
    if (consumer_ == nullptr) {
      Status s = Connect();
      if (!s.ok()) {
        VW_LOG(Warn, "feedback: cannot reconnect; retrying").Field("error", s.ToString());
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
      at_end.clear();
      caught_up = false;
    }
    batch.clear();
    eof.clear();
    Status s = consumer_->Poll(100, 5000, &batch, &eof);
    if (!s.ok()) {
      // Rebuild from the start with a fresh consumer; the current snapshot stays in force.
      VW_LOG(Warn, "feedback: consumer failed; rebuilding from the start")
          .Field("error", s.ToString());
      batch.clear();  // messages hold references into the consumer: release them first
      consumer_.reset();
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    for (const kafka::Message& m : batch) {
      if (m.value_is_null()) continue;
      if (m.topic() == options_.alerts_topic) {
        Result<alerts::AlertRecord> a = alerts::ParseAlertJson(m.value());
        if (!a.ok()) continue;  // not an alert line: nothing to resolve a verdict against
        if (a->generated_us > newest_alert_us_) newest_alert_us_ = a->generated_us;
        filter_->Remember(*a);
        ++alerts_read;
        continue;
      }
      // A verdict line (docs/feedback.md); a message may hold several lines.
      const int32_t part = m.partition().value();
      const bool count = m.offset().value() >= verdicts_counted_[part];
      if (count) verdicts_counted_[part] = m.offset().value() + 1;
      std::string_view rest = m.value();
      while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        Result<alerts::Verdict> v = alerts::ParseVerdict(line);
        if (!v.ok()) {
          if (count) metrics_->CountVerdict("bad");
          VW_LOG(Warn, "feedback: bad verdict skipped")
              .Field("topic", std::string(m.topic()))
              .Field("partition", static_cast<int64_t>(part))
              .Field("offset", m.offset().value())
              .Field("reason", v.status().message());
          continue;
        }
        if (count) {
          metrics_->CountVerdict(v->kind == alerts::VerdictKind::kBenign ? "benign"
                                                                         : "true_positive");
        }
        filter_->AddVerdict(*v);
        ++verdicts_read;
      }
    }
    for (const auto& tp : eof) at_end.insert(tp);
    if (!caught_up && at_end.size() >= partitions) {
      caught_up = true;
      Publish(true);
      VW_LOG(Info, "feedback: caught up")
          .Field("alerts", alerts_read)
          .Field("verdicts", verdicts_read)
          .Field("suppressions", static_cast<uint64_t>(filter_->suppressions().size()))
          .Field("seconds", std::chrono::duration<double>(Clock::now() - started).count());
      std::lock_guard<std::mutex> lock(mu_);
      caught_up_ = true;
      caught_up_cv_.notify_all();
      continue;
    }
    // Before the first catch-up the snapshot is published once at the end (a rebuild after a
    // consumer failure keeps the previous snapshot until then).
    if (caught_up) Publish(false);
  }
}

}  // namespace vw::runtime
