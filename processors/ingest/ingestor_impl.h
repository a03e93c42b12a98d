// Ingestor::Impl: the state of one Ingestor and the members of its parts, each defined in the file
// of its concept:
//   input_shape.cc    which shape the input has (NDJSON lines, documents), lines and documents
//                     handed to a reader, broken-document recovery; the Ingestor API
//   fast_path.cc      the NDJSON fast path: stage 1 over a window of lines, a walker over it
//   record_reader.cc  the general (simdjson on-demand) reader of a document's records
//   claims.h/.cc      the identity claims table both readers use
//   staging.cc        a record's begin and end, the vault cache, staging of events and dead
//                     letters until the document is known to be readable
// Internal to vw_ingest.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "processors/ingest/claims.h"
#include "processors/ingest/ingest.h"
#include "processors/ingest/scan.h"

namespace vw::ingest {

namespace od = simdjson::ondemand;
using vw::v1::AccessEvent;
using vw::v1::SourcePosition;

// What reading one value produced.
enum class Got { kValue, kNull, kWrongType, kBroken };

// The result of reading one record object.
enum class Rec {
  kAccepted,
  kSkipped,   // another category
  kDead,      // a bad record: the reason is set, the document is still readable
  kEnvelope,  // the object was a {"records":[...]} envelope; its records were handled
  kBroken,    // malformed JSON: the document cannot be read further
};

class Ingestor::Impl {
 public:
  explicit Impl(IngestOptions options) : options_(std::move(options)) {}

  // Where the current document sits, for positions and reasons.
  struct DocCtx {
    SourcePosition base;
    int64_t offset = 0;         // byte offset of the enclosing line/document within the input
    int64_t line = 0;           // 1-based line number in NDJSON mode, else 0
    int64_t document = 0;       // 1-based document number in document mode, else 0
    std::string_view text;      // the whole line/document
    bool check_extent = false;  // the document is larger than max_record_bytes
  };

  // NDJSON read in place (no copy; see IngestLinesInPlace in input_shape.cc for why that is safe).
  int64_t IngestLinesInPlace(std::string_view bytes, const SourcePosition& base, int64_t first_line,
                             RecordSink& sink);
  // Any other shape: `data` must be followed by SIMDJSON_PADDING readable bytes.
  void IngestDocuments(const char* data, size_t len, const SourcePosition& base, RecordSink& sink);
  void DeadLetterRaw(std::string_view raw, std::string reason, const SourcePosition& pos,
                     RecordSink& sink);

  IngestOptions options_;
  IngestCounters counters_;
  std::string pad_buffer_;  // padded copy of the input of Ingest()

 private:
  // Handles the one line starting at data[pos] (up to the next '\n' or `end`) on its own, with
  // its own parse; returns where the next line starts. `shift` turns positions in `data` into
  // offsets within the caller's input. The bytes after the line must be readable for
  // SIMDJSON_PADDING bytes.
  size_t OneLine(const char* data, size_t pos, size_t end, size_t shift, int64_t* line_no,
                 DocCtx& ctx, RecordSink& sink);
  // The fast path: reads the lines of data[from, to) with one stage-1 pass per window of lines;
  // returns the start of the first line it did not handle (a line to handle with OneLine), or
  // `to`.
  size_t StreamLines(const char* data, size_t from, size_t to, size_t shift, int64_t* line_no,
                     DocCtx& ctx, RecordSink& sink);
  // Lines of data[pos, end) (followed by SIMDJSON_PADDING readable bytes), by the fast path where
  // it can, else one by one.
  void ReadLines(const char* data, size_t pos, size_t end, size_t shift, int64_t* line_no,
                 DocCtx& ctx, RecordSink& sink);
  // Parses one line (NDJSON) and emits what it holds.
  void ProcessLine(std::string_view line, DocCtx& ctx, RecordSink& sink);
  // Reads the root value of a document already iterated; false if the document is broken (the
  // reason is in broken_reason_).
  template <typename Doc>
  bool ProcessRoot(Doc& doc, DocCtx& ctx);
  // ProcessRoot's reading, before the check that the document was JSON throughout.
  template <typename Doc>
  bool ProcessRootValue(Doc& doc, DocCtx& ctx);
  // `may_be_envelope`: the object may be a {"records":[...]} envelope (at the root, or as an
  // element of a root array); records inside an envelope may not.
  Rec ProcessObject(od::object obj, const char* start, bool may_be_envelope, DocCtx& ctx);
  bool ProcessArray(od::array arr, bool elements_may_be_envelopes, DocCtx& ctx);
  Rec ReadRecordField(std::string_view key, od::value v, AccessEvent* e);
  // The fast path's walker (see StreamLines).
  std::string_view TokenText() const;
  bool FastString(std::string_view* out);
  bool WalkKey(std::string_view* key);
  int FastInteger(int64_t* out);
  bool FastBool(bool* out);
  bool SkipValue();
  bool SkipUnknown(std::string_view key);
  template <typename F>
  bool FastObject(F&& member);
  bool FastRecord(DocCtx& ctx, bool may_be_envelope);
  bool FastTime(std::string_view t, int64_t* us);
  char day_cache_date_[10] = {};  // FastTime: the last date seen ("YYYY-MM-DD") and its day
  int64_t day_cache_days_ = 0;
  bool FastEnvelope(DocCtx& ctx);
  bool FastStatus(AccessEvent* e);
  bool FastProperties(AccessEvent* e);
  bool FastIdentity(AccessEvent* e);
  bool FastClaims(AccessEvent* e);
  // Resets the per-record scratch and returns the event to fill.
  AccessEvent* BeginRecord();
  // Derives the fields that depend on several members, sets the position and stages the event.
  void FinishRecord(AccessEvent* e, const DocCtx& ctx);
  // ParseResourceId through a small cache: a tenant has far fewer vaults than events.
  void SetVault(std::string_view resource_id, AccessEvent* e);
  struct VaultCacheEntry {
    std::string resource_id;  // as received
    std::string vault_id, vault_name, subscription_id, resource_group;
    vw::v1::VaultKind kind = vw::v1::VAULT_KIND_UNSPECIFIED;
    uint64_t last_use = 0;
  };
  uint64_t vault_clock_ = 0;
  static constexpr size_t kVaultCacheSize = 1024;
  std::vector<VaultCacheEntry> vault_cache_ = std::vector<VaultCacheEntry>(kVaultCacheSize);
  Rec ReadProperties(od::value v, AccessEvent* e);
  Rec ReadIdentity(od::value v, AccessEvent* e);
  Rec ReadClaims(od::object claims, int depth, AccessEvent* e);
  Rec ReadPolicy(od::value v, bool added, AccessEvent* e);
  Rec ReadOnePolicy(od::object obj, bool added, AccessEvent* e);

  // Field readers: kValue with the value, kNull, kWrongType (reason set), kBroken (reason set).
  Got String(od::value& v, std::string_view field, std::string_view* out);
  Got Integer(od::value& v, std::string_view field, int64_t* out);
  Got Boolean(od::value& v, std::string_view field, bool* out);
  Rec Wrong(std::string_view field, std::string_view expected, od::json_type got);
  Rec Broken(simdjson::error_code err, std::string_view where);
  std::string RecordWhere() const;  // "record I" inside an array/envelope, else ""

  // Output staging for one document: emitted only once the document is known to be readable,
  // so a broken document yields exactly one dead letter.
  AccessEvent* NewEvent();
  void StageDead(std::string_view raw, std::string reason, const DocCtx& ctx);
  void FillPosition(const DocCtx& ctx, SourcePosition* pos) const;
  std::string Locator(const DocCtx& ctx) const;
  void Flush(RecordSink& sink);
  void DropStaged();

  od::parser parser_;
  // The fast path (StreamLines): stage 1 of a window of lines and a walker over its structural
  // positions.
  std::unique_ptr<simdjson::internal::dom_parser_implementation> stage1_;
  size_t stream_window_ = 0;        // bytes per stage-1 pass (grows while lines are clean)
  const char* w_ = nullptr;         // the window
  const uint32_t* tp_ = nullptr;    // the walker's next structural position (into stage1_)
  const uint32_t* tend_ = nullptr;  // the end of the positions
  // In the fast path, the window offset of the next backslash at or after the record's start
  // (StreamLines finds them a window at a time): a key or string ending at or before it needs no
  // escape check. 0 elsewhere: every one is checked.
  size_t clean_below_ = 0;
  bool KnownUnescaped(const char* end) const {
    return clean_below_ != 0 && static_cast<size_t>(end - w_) <= clean_below_;
  }
  od::parser claim_parser_;  // identity-as-JSON-string (Managed HSM) while the outer doc is live
  std::string claim_buffer_;

  std::vector<AccessEvent> pool_;  // events staged for the current document (storage reused)
  size_t staged_events_ = 0;
  std::vector<DeadLetter> staged_dead_;
  size_t staged_skipped_ = 0;

  // Where the record being read sits (both readers).
  int32_t record_index_ = 0;   // index of the record being read within its document
  int32_t doc_records_ = 0;    // records (not envelopes) met so far in the current document
  int32_t message_index_ = 0;  // running record index within one Kafka message
  bool in_container_ = false;
  std::string broken_reason_;  // why the current document is broken

  // Per-record scratch (valid while one record is read), reset by BeginRecord. Views point into
  // the input; the caller and target fields are derived from them by FinishRecord.
  struct RecordScratch {
    std::string reason;  // why the current record is dead
    std::string_view category;
    ClaimViews claims;
    std::string_view props_id, request_uri;
    int64_t http_status = 0;
    bool has_time = false, has_resource = false, has_operation = false;
  };
  RecordScratch rec_;
};

}  // namespace vw::ingest
