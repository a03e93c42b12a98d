#include "runtime/pipeline.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "base/logging.h"
#include "base/process_stats.h"
#include "kafka/admin.h"
#include "kafka/errors.h"
#include "runtime/detect_stage.h"
#include "runtime/ingest_stage.h"
#include "runtime/worker.h"

namespace vw::runtime {

Pipeline::Pipeline(PipelineConfig config) : config_(std::move(config)) {}
Pipeline::~Pipeline() = default;

Status Pipeline::CreateTopics(const std::atomic<bool>& stop) {
  VW_ASSIGN_OR_RETURN(auto admin, kafka::Admin::Create(config_.AdminConfig()));
  std::vector<kafka::TopicSpec> specs;
  int rf = config_.replication_factor;
  for (TopicConfig* t : {&config_.raw, &config_.by_vault, &config_.by_caller, &config_.alerts,
                         &config_.deadletter, &config_.feedback}) {
    specs.push_back({t->name, t->partitions, rf, {}});
  }
  // Broker restarts and start-up races are retriable: keep trying for a while, in attempts
  // short enough that a stop request (SIGTERM) is honoured within seconds, not after the minute.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    Status s = admin->CreateTopics(specs, 10000);
    if (s.ok()) break;
    if (!kafka::IsRetriable(s) || std::chrono::steady_clock::now() > deadline) return s;
    if (stop.load()) return Status::Cancelled("stopping");
    std::this_thread::sleep_for(std::chrono::seconds(1));
    if (stop.load()) return Status::Cancelled("stopping");
  }
  // Existing topics keep their partition counts: use the real ones (markers go to every
  // partition; changelogs must match their input).
  for (TopicConfig* t :
       {&config_.raw, &config_.by_vault, &config_.by_caller, &config_.alerts, &config_.feedback}) {
    VW_ASSIGN_OR_RETURN(int n, admin->PartitionCount(t->name, 30000));
    if (n != t->partitions) {
      VW_LOG(Warn, "topic exists with another partition count; using it")
          .Field("topic", t->name)
          .Field("configured", t->partitions)
          .Field("actual", n);
      t->partitions = n;
    }
  }
  std::vector<kafka::TopicSpec> changelogs;
  for (const auto& stage : config_.stages) {
    if (stage == "ingest") continue;
    const TopicConfig& in = stage == "vault" ? config_.by_vault : config_.by_caller;
    changelogs.push_back({config_.ChangelogTopic(stage),
                          in.partitions,
                          rf,
                          {{"cleanup.policy", "compact"}, {"min.compaction.lag.ms", "60000"}}});
  }
  VW_RETURN_IF_ERROR(admin->CreateTopics(changelogs, 30000));
  for (const auto& c : changelogs) {
    VW_ASSIGN_OR_RETURN(int n, admin->PartitionCount(c.name, 30000));
    if (n != c.partitions) {
      return Status::FailedPrecondition("changelog " + c.name + " has " + std::to_string(n) +
                                        " partitions but its input has " +
                                        std::to_string(c.partitions));
    }
  }
  return Status::OK();
}

Status CheckPipelineInputs(const PipelineConfig& config, std::string* effective) {
  VW_RETURN_IF_ERROR(ValidatePipelineConfig(config));
  bool detects = false;
  for (const auto& stage : config.stages) detects = detects || stage != "ingest";
  if (detects) VW_RETURN_IF_ERROR(CheckDetectInputs(config, effective));
  return Status::OK();
}

Status Pipeline::Run(const std::atomic<bool>& stop) {
  // Everything the stages need, before any group is joined: a missing list or key stops start-up
  // here with its file and setting named, instead of failing workers restarting forever.
  VW_RETURN_IF_ERROR(CheckPipelineInputs(config_));
  bool detects = false;
  for (const auto& stage : config_.stages) detects = detects || stage != "ingest";
  // Privacy settings first: a missing key must stop start-up before anything runs.
  DetectSharedPtr shared;
  if (detects) {
    VW_ASSIGN_OR_RETURN(shared, OpenDetectShared(config_, &metrics_));
  }
  if (config_.metrics_port != 0) {  // 0: no endpoint
    VW_ASSIGN_OR_RETURN(
        http_, HttpServer::Start(config_.metrics_address, config_.metrics_port, &metrics_));
    http_port_.store(http_->port());
  }
  if (Status s = CreateTopics(stop); s.code() == StatusCode::kCancelled) {
    return Status::OK();
  } else {
    VW_RETURN_IF_ERROR(s);
  }
  if (detects) {
    // The detectors consult analyst feedback; a (re)started process first rebuilds it from the
    // alerts and feedback topics, so that a verdict read before a crash still applies after it.
    Status s = StartDetectShared(shared.get(), config_.alerts.partitions,
                                 config_.feedback.partitions, stop);
    if (s.code() == StatusCode::kCancelled) return Status::OK();
    VW_RETURN_IF_ERROR(s);
  }

  struct Slot {
    WorkerOptions options;
    std::function<Result<std::unique_ptr<TaskFactory>>()> make_factory;
  };
  std::vector<std::unique_ptr<Slot>> slots;
  for (const auto& stage : config_.stages) {
    for (int i = 0; i < config_.threads_per_stage; ++i) {
      auto slot = std::make_unique<Slot>();
      WorkerOptions& o = slot->options;
      o.name = stage + "/" + std::to_string(i);
      o.commit_interval_ms = config_.commit_interval_ms;
      o.consumer_config = config_.ConsumerConfig();
      o.consumer_config["group.id"] = config_.application_id + "." + stage;
      // Static membership (KIP-345): a restarted instance takes its partitions back at once
      // instead of waiting for its dead incarnation's session to time out and a rebalance.
      o.consumer_config["group.instance.id"] = config_.application_id + "." + stage + "." +
                                               config_.instance_id + "." + std::to_string(i);
      o.consumer_config["client.id"] =
          config_.application_id + "." + stage + "." + config_.instance_id;
      o.producer_config = config_.ProducerConfig();
      // Stable across restarts of this instance: init_transactions then fences our own zombie.
      o.producer_config["transactional.id"] = config_.application_id + "." + stage + "." +
                                              config_.instance_id + "." + std::to_string(i);
      if (stage == "ingest") {
        o.input_topic = config_.raw.name;
        if (config_.align_raw_partitions) o.time_key = RawRecordTimeKey;
        int raw = config_.raw.partitions;
        slot->make_factory = [this, raw]() -> Result<std::unique_ptr<TaskFactory>> {
          return MakeIngestTaskFactory(config_, raw);
        };
      } else {
        bool vault = stage == "vault";
        o.input_topic = vault ? config_.by_vault.name : config_.by_caller.name;
        DetectShared* sh = shared.get();
        slot->make_factory = [this, vault, i, sh]() -> Result<std::unique_ptr<TaskFactory>> {
          return MakeDetectTaskFactory(config_, vault ? DetectStage::kVault : DetectStage::kCaller,
                                       i, &metrics_, sh);
        };
      }
      slots.push_back(std::move(slot));
    }
  }

  metrics_.SetExpectedWorkers(static_cast<int>(slots.size()));
  std::vector<std::thread> threads;
  std::atomic<bool> any_failed{false};
  for (auto& slot_ptr : slots) {
    Slot* slot = slot_ptr.get();
    threads.emplace_back([this, slot, &stop, &any_failed] {
      while (!stop.load()) {
        auto factory = slot->make_factory();
        Status s = factory.status();
        if (s.ok()) {
          auto worker = std::make_unique<StageWorker>(slot->options, factory->get(), &metrics_);
          s = worker->Run(stop);
        }
        if (s.ok() || stop.load()) break;
        any_failed.store(true);
        metrics_.SetWorkerProblem(slot->options.name, "restarting after a failure");
        VW_LOG(Error, "worker failed; restarting it")
            .Field("worker", slot->options.name)
            .Field("error", s.ToString());
        for (int i = 0; i < 20 && !stop.load(); ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        metrics_.SetWorkerProblem(slot->options.name, "");
      }
    });
  }
  VW_LOG(Info, "pipeline running")
      .Field("instance", config_.instance_id)
      .Field("workers", static_cast<int64_t>(slots.size()));
  (void)any_failed;
  // Once a second, the heap's free pages go back to the OS: the workers free state-cache
  // entries, fetched records and changelog buffers all the time, and glibc would otherwise keep
  // them in each thread's arena (ReleaseFreeHeapMemory), which at 1M keys held RSS ~250 MiB
  // above what the process used.
  std::atomic<bool> workers_done{false};
  std::thread trimmer([&workers_done] {
    while (!workers_done.load()) {
      for (int i = 0; i < 10 && !workers_done.load(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      ReleaseFreeHeapMemory();
    }
  });
  for (auto& t : threads) t.join();
  workers_done.store(true);
  trimmer.join();
  metrics_.SetExpectedWorkers(0);
  if (http_ != nullptr) http_->Stop();
  VW_LOG(Info, "pipeline stopped").Field("instance", config_.instance_id);
  return Status::OK();
}

}  // namespace vw::runtime
