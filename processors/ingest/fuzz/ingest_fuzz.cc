// libFuzzer target: arbitrary bytes through every entry point of the Ingestor. It must never crash,
// leak or trip ASan/UBSan, and its counters must always balance.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "processors/ingest/ingest.h"

namespace {

class CheckingSink : public vw::ingest::RecordSink {
 public:
  void OnEvent(vw::v1::AccessEvent&& e) override {
    ++events;
    // Exercise the renderers and routing keys on whatever was accepted.
    std::string json = vw::ingest::NormalizedJson(e);
    if (json.empty() || json.front() != '{' || json.back() != '}') std::abort();
    if (vw::ingest::VaultKey(e) != e.vault_id()) std::abort();
    (void)vw::ingest::CallerKey(e);
    if (e.operation_name().empty() || e.vault_id().empty()) std::abort();
  }
  void OnDeadLetter(vw::ingest::DeadLetter&& d) override {
    ++dead;
    if (d.reason.empty()) std::abort();
  }
  uint64_t events = 0, dead = 0;
};

// Everything a reader produced, rendered, to compare the NDJSON fast path with the general reader.
class RenderingSink : public vw::ingest::RecordSink {
 public:
  void OnEvent(vw::v1::AccessEvent&& e) override { out += "E" + e.SerializeAsString() + "\n"; }
  void OnDeadLetter(vw::ingest::DeadLetter&& d) override {
    out += "D" + d.reason + "|" + d.source.SerializeAsString() + "|" + d.raw + "\n";
  }
  std::string out;
};

// Counters must move exactly as the sink saw.
void Check(const vw::ingest::IngestCounters& before, const vw::ingest::IngestCounters& after,
           const CheckingSink& sink) {
  uint64_t in = after.records_in - before.records_in;
  uint64_t accepted = after.accepted - before.accepted;
  uint64_t dead = after.deadlettered - before.deadlettered;
  uint64_t skipped = after.skipped - before.skipped;
  if (in != accepted + dead + skipped) std::abort();
  if (accepted != sink.events || dead != sink.dead) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Long-lived, as in the pipeline: state carried between inputs (buffers, the vault cache) is
  // fuzzed too.
  static vw::ingest::Ingestor* small = [] {
    vw::ingest::IngestOptions options;
    options.max_record_bytes = 512;  // small, so the oversize paths are reached too
    return new vw::ingest::Ingestor(options);
  }();
  static vw::ingest::Ingestor* normal = new vw::ingest::Ingestor();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  {
    CheckingSink sink;
    vw::v1::SourcePosition kafka;
    kafka.set_source("fuzz");
    kafka.set_partition(0);
    vw::ingest::IngestCounters before = small->counters();
    small->Ingest(bytes, kafka, sink);
    Check(before, small->counters(), sink);
  }
  {
    CheckingSink sink;
    vw::v1::SourcePosition file;
    file.set_source("fuzz");
    file.set_partition(-1);
    vw::ingest::IngestCounters before = normal->counters();
    normal->IngestLines(bytes, file, 1, sink);
    Check(before, normal->counters(), sink);
  }
  {
    // The fast path must read every line exactly as the general reader does. The input is
    // followed by an ordinary record so that its lines are read where the fast path runs.
    static vw::ingest::Ingestor* general = [] {
      vw::ingest::IngestOptions options;
      options.fast_path = false;
      return new vw::ingest::Ingestor(options);
    }();
    static vw::ingest::Ingestor* fast = new vw::ingest::Ingestor();
    static const std::string kTail =
        "\n{\"time\":\"2026-01-15T00:00:01Z\",\"operationName\":\"SecretGet\",\"resourceId\":"
        "\"/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/v\","
        "\"callerIpAddress\":\"10.0.0.1\",\"properties\":{\"httpStatusCode\":200}}\n";
    std::string input(bytes);
    input += kTail;
    vw::v1::SourcePosition file;
    file.set_source("fuzz");
    file.set_partition(-1);
    RenderingSink a, b;
    fast->IngestLines(input, file, 1, a);
    general->IngestLines(input, file, 1, b);
    if (a.out != b.out) std::abort();
  }
  return 0;
}
