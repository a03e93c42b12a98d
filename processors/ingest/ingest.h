// Ingest: parse Azure Key Vault / Managed HSM AuditEvent records in every shape Azure delivers
// them, normalise each into a vw::v1::AccessEvent, and account for every input record.
//
// Accepted shapes (DESIGN.md section 4): Event Hubs envelopes {"records":[...]}, bare records,
// JSON arrays of records, NDJSON (one record, envelope or array per line), and pretty-printed
// documents. Managed HSM records (identity as a JSON string, clientInfo/httpStatusCode/requestUri
// at top level), both identity-claim shapes, durationMs as string or number and any key casing are
// handled. Everything that is not an accepted event becomes a DeadLetter with a reason naming the
// record and field, or a skip (category other than AuditEvent): counters prove
// records_in == accepted + deadlettered + skipped.
//
// The processor owns no I/O: bytes come in, events and dead letters go to an injected RecordSink.
// Reading a file (or stdin) is IngestFile's, beside the embedded driver
// (processors/detectors/file_input.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "vw/v1/access_event.pb.h"

namespace vw::ingest {

// A unit of input that could not be turned into an event.
struct DeadLetter {
  std::string raw;  // the offending bytes (a record, a line, or the start of a document), <= 64 KiB
  std::string reason;  // plain words naming the field: "line 12: 'time' is not a string"
  vw::v1::SourcePosition source;
};

// in == accepted + deadlettered + skipped, always (after each Ingest call returns).
struct IngestCounters {
  uint64_t records_in = 0;
  uint64_t accepted = 0;
  uint64_t deadlettered = 0;
  uint64_t skipped =
      0;  // records of another category than AuditEvent (e.g. AzurePolicyEvaluationDetails)
  // Diagnostic, not part of the balance: of records_in, how many the NDJSON fast path read (see
  // IngestOptions::fast_path).
  uint64_t fast_path = 0;
};

// Receives the output of an Ingestor. Called synchronously from Ingest(), on the caller's thread.
// OnEvent may move the event away (it is the sink's then) or leave it: the Ingestor reuses the
// storage of events left in place, which saves allocations on the hot path.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void OnEvent(vw::v1::AccessEvent&& event) = 0;
  virtual void OnDeadLetter(DeadLetter&& dead) = 0;
};

struct IngestOptions {
  // A record (an NDJSON line, an array element or an envelope member) larger than this is
  // dead-lettered as oversize. Default 1 MiB.
  size_t max_record_bytes = 1 << 20;
  // A dead letter keeps at most this many bytes of the offending input. Default 64 KiB.
  size_t max_dead_letter_raw_bytes = 64 << 10;
  // Records whose `category` differs from this (case-insensitively) are skipped; a record without
  // a category is taken as an audit event. Default "AuditEvent".
  std::string accept_category = "AuditEvent";
  // NDJSON lines holding one ordinary record are read by a specialised walker over simdjson's
  // structural index (several times faster); every other line by the general on-demand reader.
  // Both give the same result for every line (tests/fast_path_test.cc compares them); false reads
  // everything the general way, for those tests and for fuzzing. Default true.
  bool fast_path = true;
};

// Parses and normalises audit records. Not thread-safe: use one per thread (it keeps simdjson
// parsers and reusable buffers). Never throws and never crashes on input: every malformed byte
// sequence ends as a dead letter.
class Ingestor {
 public:
  explicit Ingestor(IngestOptions options = {});
  ~Ingestor();
  Ingestor(const Ingestor&) = delete;
  Ingestor& operator=(const Ingestor&) = delete;

  // One unit of input: a Kafka message value or a file's contents, in any accepted shape.
  // `base` names the source: for Kafka (partition >= 0) every record gets base.offset and a
  // running index within the message; for files (partition -1) offset is base.offset plus the
  // byte offset of the enclosing line/document, and index the record's place within that
  // line/document. If the first line of `bytes` is a complete JSON value it is read as NDJSON (a
  // malformed line is dead-lettered and the next line is read); otherwise as one or more
  // concatenated documents. A malformed document dead-letters that document and whatever follows
  // it, unless a later line is on its own a whole JSON object or array starting the line: then
  // the input is NDJSON with a broken line, and from the broken document on each line is read on
  // its own (each broken line is one dead letter with its own line number and position).
  void Ingest(std::string_view bytes, const vw::v1::SourcePosition& base, RecordSink& sink);

  // Like Ingest for input already known to be NDJSON (complete lines), with `first_line` the
  // 1-based line number of bytes[0] so reasons name the right line across chunks of a stream.
  // Returns the line number after the last line of `bytes` (first_line + its lines).
  int64_t IngestLines(std::string_view bytes, const vw::v1::SourcePosition& base,
                      int64_t first_line, RecordSink& sink);

  // Reports one unit of input as dead without parsing it (e.g. a line too long to buffer).
  // Counts it in records_in and deadlettered.
  void DeadLetterRaw(std::string_view raw, std::string reason, const vw::v1::SourcePosition& pos,
                     RecordSink& sink);

  const IngestCounters& counters() const;
  const IngestOptions& options() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// True if the first non-blank line of `bytes` (a UTF-8 BOM aside) is a complete JSON object or
// array: the input is NDJSON, and may be fed by IngestLines in chunks of whole lines.
bool LooksLikeNdjson(std::string_view bytes);

// Routing keys (DESIGN.md section 2).
std::string VaultKey(const vw::v1::AccessEvent& e);  // lower-case vault resource id
// Object id, else app id, else the caller IP (canonical text), else "".
std::string CallerKey(const vw::v1::AccessEvent& e);
// CallerKey as a view into the event when it is an id (the common case), else built into *buf:
// no string per event for the routers and key maps that only look the key up.
std::string_view CallerKeyView(const vw::v1::AccessEvent& e, std::string* buf);

// Empties `e` for reuse, as Clear() does, except that its caller and source sub-messages (which
// proto3's Clear() deletes) stay, cleared, with their strings' buffers: a message refilled per
// event allocates nothing in steady state. has_caller() / has_source() stay true if they were.
void ClearForReuse(vw::v1::AccessEvent* e);

// The JSON line `vaultwatch normalize` writes for one event (one object, no trailing newline).
std::string NormalizedJson(const vw::v1::AccessEvent& e);

// Display names used in NormalizedJson: "success", "denied", "not_found", "bad_request",
// "throttled", "error", "auth_challenge", "unspecified"; and "user", "service_principal",
// "user_and_app", "unknown".
std::string_view OutcomeName(vw::v1::Outcome outcome);
std::string_view IdentityTypeName(vw::v1::IdentityType type);
// The canonical IP text of a 4- or 16-byte address ("" otherwise).
std::string FormatIp(std::string_view bytes);

}  // namespace vw::ingest
