// `vaultwatch normalize`: shows what vaultwatch understood of a file of audit records, one JSON
// object per accepted event, with rejected input in a dead-letter file and counters on stderr.
#include <cstdio>
#include <memory>
#include <string>

#include "apps/vaultwatch/command.h"
#include "apps/vaultwatch/flags.h"
#include "base/json_escape.h"
#include "processors/detectors/file_input.h"
#include "processors/ingest/ingest.h"

namespace vw::app {
namespace {

// Writes events and dead letters as JSON lines; remembers the first write error.
class FileSink : public ingest::RecordSink {
 public:
  FileSink(std::FILE* out, std::FILE* dead) : out_(out), dead_(dead) {}
  void OnEvent(v1::AccessEvent&& event) override {
    line_ = ingest::NormalizedJson(event);
    line_.push_back('\n');
    if (std::fwrite(line_.data(), 1, line_.size(), out_) != line_.size()) write_failed_ = true;
  }
  void OnDeadLetter(ingest::DeadLetter&& d) override {
    if (dead_ == nullptr) return;
    line_ = "{\"reason\":";
    AppendJsonString(&line_, d.reason);
    line_ += ",\"source\":";
    AppendJsonString(&line_, d.source.source());
    line_ += ",\"partition\":" + std::to_string(d.source.partition());
    line_ += ",\"offset\":" + std::to_string(d.source.offset());
    line_ += ",\"index\":" + std::to_string(d.source.index());
    line_ += ",\"raw\":";
    AppendJsonString(&line_, d.raw);
    line_ += "}\n";
    if (std::fwrite(line_.data(), 1, line_.size(), dead_) != line_.size()) write_failed_ = true;
  }
  bool write_failed() const { return write_failed_; }

 private:
  std::FILE* out_;
  std::FILE* dead_;
  std::string line_;
  bool write_failed_ = false;
};

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr && f != stdout) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

int RunNormalize(int argc, char** argv) {
  FlagParser flags("normalize",
                   "Parse and normalise Key Vault audit records into JSON lines (one per accepted "
                   "event); rejected input goes to --deadletter; counters are printed to stderr");
  std::string input = "-";
  std::string output = "-";
  std::string deadletter;
  int64_t max_record_bytes = 1 << 20;
  flags.String("input", &input,
               "FILE of audit records (NDJSON, envelopes, arrays), or - for stdin");
  flags.String("output", &output, "FILE for the normalised events, or - for stdout");
  flags.String("deadletter", &deadletter,
               "FILE for rejected input, JSON lines {reason,source,partition,offset,index,raw}");
  flags.Int("max-record-bytes", &max_record_bytes, "records larger than this are dead-lettered");
  if (int rc = flags.Parse(argc, argv); rc >= 0) return rc;
  if (max_record_bytes <= 0) {
    std::fprintf(stderr, "normalize: --max-record-bytes must be positive\n");
    return 2;
  }

  FilePtr out(output == "-" ? stdout : std::fopen(output.c_str(), "wb"));
  if (!out) {
    std::fprintf(stderr, "normalize: cannot open --output '%s'\n", output.c_str());
    return 1;
  }
  FilePtr dead;
  if (!deadletter.empty()) {
    dead.reset(deadletter == "-" ? stdout : std::fopen(deadletter.c_str(), "wb"));
    if (!dead) {
      std::fprintf(stderr, "normalize: cannot open --deadletter '%s'\n", deadletter.c_str());
      return 1;
    }
  }
  ingest::IngestOptions options;
  options.max_record_bytes = static_cast<size_t>(max_record_bytes);
  ingest::Ingestor ingestor(options);
  FileSink sink(out.get(), dead.get());
  Status status = ingest::IngestFile(input, ingestor, sink);
  bool flush_failed = std::fflush(out.get()) != 0 || (dead && std::fflush(dead.get()) != 0);
  const ingest::IngestCounters& c = ingestor.counters();
  std::fprintf(
      stderr, "normalize: in=%llu accepted=%llu deadlettered=%llu skipped=%llu\n",
      static_cast<unsigned long long>(c.records_in), static_cast<unsigned long long>(c.accepted),
      static_cast<unsigned long long>(c.deadlettered), static_cast<unsigned long long>(c.skipped));
  if (!status.ok()) {
    std::fprintf(stderr, "normalize: %s\n", status.ToString().c_str());
    return 1;
  }
  if (sink.write_failed() || flush_failed) {
    std::fprintf(stderr, "normalize: writing the output failed\n");
    return 1;
  }
  return 0;
}

}  // namespace

VW_REGISTER_COMMAND(normalize, "Parse and normalise audit records into JSON lines", RunNormalize);

}  // namespace vw::app
