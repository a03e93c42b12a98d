#include "processors/ingest/ingest.h"

#include <simdjson.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "base/time_format.h"
#include "processors/ingest/normalize.h"

// Small helpers of the per-token hot path, which GCC would otherwise call out of line.
#define VW_INGEST_INLINE inline __attribute__((always_inline))

namespace vw::ingest {
namespace {

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

// One comparison for the usual byte (anything above ' '), four only for the few below it.
inline bool IsSpace(char c) {
  return static_cast<unsigned char>(c) <= ' ' && (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The length of the JSON object/array starting at s[0], found by bracket matching outside strings
// (only used on error paths and for oversize checks); s.size() if unterminated.
size_t ValueExtent(std::string_view s) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth <= 0) return i + 1;
    }
  }
  return s.size();
}

// True if `s` (trimmed) is an array or starts like {"records": ...: a container whose members are
// checked against max_record_bytes one by one rather than as a whole.
bool LooksLikeContainer(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return false;
  if (s.front() == '[') return true;
  if (s.front() != '{') return false;
  s.remove_prefix(1);
  s = Trim(s);
  return s.size() >= 9 && EqualsIgnoreCase(s.substr(0, 9), "\"records\"");
}

// First non-blank line complete (starts with { or [ and ends with } or ])? Then NDJSON.
bool LooksLikeNdjson(std::string_view bytes) {
  size_t start = 0;
  while (start < bytes.size() && IsSpace(bytes[start])) ++start;
  if (bytes.substr(start, 3) == "\xEF\xBB\xBF") start += 3;
  size_t nl = bytes.find('\n', start);
  std::string_view first =
      Trim(bytes.substr(start, nl == std::string_view::npos ? bytes.npos : nl - start));
  if (first.size() < 2) return false;
  return (first.front() == '{' && first.back() == '}') ||
         (first.front() == '[' && first.back() == ']');
}

// True if a line of `s` after its first one is, on its own, a whole JSON object or array that
// starts the line ({...} or [...], trailing blanks aside). Pretty-printed documents indent their
// inner lines and end them with ',' or an opening bracket; NDJSON lines look like this. Used to
// tell a broken first NDJSON line from a document spread over lines.
bool HasWholeLineAfterTheFirst(std::string_view s) {
  size_t nl = s.find('\n');
  while (nl != std::string_view::npos) {
    size_t begin = nl + 1;
    nl = s.find('\n', begin);
    std::string_view line = s.substr(begin, nl == std::string_view::npos ? s.npos : nl - begin);
    while (!line.empty() && IsSpace(line.back())) line.remove_suffix(1);
    if (line.size() >= 2 && ((line.front() == '{' && line.back() == '}') ||
                             (line.front() == '[' && line.back() == ']')))
      return true;
  }
  return false;
}

// Key comparison against a literal in Azure's casing: an inlined fixed-size compare first (the
// usual case), then a case-insensitive one (other producers vary the casing).
// L bytes equal, in a few word loads (GCC calls memcmp for these sizes otherwise).
template <size_t L>
VW_INGEST_INLINE bool SameBytes(const char* a, const char* b) {
  auto word = [](const char* p, auto w) {
    std::memcpy(&w, p, sizeof(w));
    return w;
  };
  if constexpr (L >= 8) {
    for (size_t i = 0; i + 8 < L; i += 8) {
      if (word(a + i, uint64_t{}) != word(b + i, uint64_t{})) return false;
    }
    return word(a + L - 8, uint64_t{}) == word(b + L - 8, uint64_t{});
  } else if constexpr (L >= 4) {
    return word(a, uint32_t{}) == word(b, uint32_t{}) &&
           word(a + L - 4, uint32_t{}) == word(b + L - 4, uint32_t{});
  } else if constexpr (L >= 2) {
    return word(a, uint16_t{}) == word(b, uint16_t{}) &&
           word(a + L - 2, uint16_t{}) == word(b + L - 2, uint16_t{});
  } else {
    return L == 0 || a[0] == b[0];
  }
}

template <size_t N>
VW_INGEST_INLINE bool KeyIs(std::string_view key, const char (&literal)[N]) {
  static_assert(N > 1);
  // Exact first (Azure's casing); the case-insensitive compare only when the first letters agree.
  return key.size() == N - 1 && (SameBytes<N - 1>(key.data(), literal) ||
                                 ((key[0] | 0x20) == (literal[0] | 0x20) &&
                                  EqualsIgnoreCase(key, std::string_view(literal, N - 1))));
}

// True if n bytes at p hold a backslash, eight at a time (SWAR): keys and values are short, and a
// libc call per string costs more than the scan. Reads up to 8 bytes from p even when n is smaller:
// the string is inside a document, which is followed by SIMDJSON_PADDING readable bytes.
VW_INGEST_INLINE bool HasBackslash(const char* p, size_t n) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto backslashes = [](const char* at) {
    uint64_t w;
    std::memcpy(&w, at, 8);
    w ^= kOnes * '\\';  // a zero byte where there was a backslash
    // High bit set in each zero byte (and possibly in bytes above one: they only matter when a
    // real one is below them).
    return (w - kOnes) & ~w & kHigh;
  };
  if (n < 8) {
    if (n == 0) return false;
    // Little-endian: the first n bytes are the low ones.
    return (backslashes(p) & (~uint64_t{0} >> (64 - 8 * n))) != 0;
  }
  size_t i = 0;
#ifdef __SSE2__
  // Sixteen at a time for the long values (request URIs, client info, ids).
  const __m128i bs = _mm_set1_epi8('\\');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, bs)) != 0) return true;
  }
#endif
  for (; i + 8 <= n; i += 8) {
    if (backslashes(p + i) != 0) return true;
  }
  return i < n && backslashes(p + n - 8) != 0;
}

// Keys without escapes (all of Azure's) are read in place, without copying them out; a key with an
// escape is unescaped. The key's closing quote is found from the value's first byte, backwards
// over the colon: simdjson has already checked that only blanks and a ':' lie between.
simdjson::error_code FastKey(od::field& f, std::string_view* key) {
  const char* begin = f.key().raw();
  const char* p = f.value().raw_json_token().data() - 1;
  while (IsSpace(*p)) --p;  // now at ':'
  --p;
  while (IsSpace(*p)) --p;  // now at the closing quote
  if (*p == '"' && p >= begin) {
    size_t n = static_cast<size_t>(p - begin);
    if (!HasBackslash(begin, n)) {
      *key = std::string_view(begin, n);
      return simdjson::SUCCESS;
    }
  }
  return f.unescaped_key().get(*key);
}

// A string value without escapes (nearly all of them), in place: the token runs from its opening
// quote to the next structural character, blanks included. False for anything else (not a
// string, or escapes to undo), which the caller reads the ordinary way.
inline bool InPlaceString(od::value& v, std::string_view* out) {
  std::string_view tok = v.raw_json_token();
  if (tok.size() < 2 || tok[0] != '"') return false;
  size_t n = tok.size();
  while (n > 1 && IsSpace(tok[n - 1])) --n;
  if (n < 2 || tok[n - 1] != '"') return false;
  if (HasBackslash(tok.data() + 1, n - 2)) return false;
  *out = tok.substr(1, n - 2);
  return true;
}

inline simdjson::error_code GetString(od::value& v, std::string_view* out) {
  if (InPlaceString(v, out)) return simdjson::SUCCESS;
  return v.get_string().get(*out);
}

// `s` lower-cased into `out` (std::string::clear is inline; the message's clear_x() is not).
inline void AssignLower(std::string_view s, std::string* out) {
  out->clear();
  AppendLower(s, out);
}

const char* TypeName(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "unknown";
}

}  // namespace

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

  // NDJSON read in place (no copy; see IngestLinesInPlace in ingest.cc for why that is safe).
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

  // Per-record scratch (valid while one record is read).
  int32_t record_index_ = 0;   // index of the record being read within its document
  int32_t doc_records_ = 0;    // records (not envelopes) met so far in the current document
  int32_t message_index_ = 0;  // running record index within one Kafka message
  bool in_container_ = false;
  std::string reason_;  // why the current record is dead / the document broken
  std::string broken_reason_;
  std::string_view category_;
  std::string_view idtyp_, upn_, unique_name_, name_claim_, ipaddr_claim_;
  std::string_view props_id_, request_uri_;
  int64_t http_status_ = 0;
  bool has_time_ = false, has_resource_ = false, has_operation_ = false;
};

// ---------------------------------------------------------------------------------------------
// Staging and positions

AccessEvent* Ingestor::Impl::NewEvent() {
  if (staged_events_ == pool_.size()) pool_.emplace_back();
  AccessEvent* e = &pool_[staged_events_];
  // Sub-messages and string buffers are kept across records: a dozen allocations fewer per record.
  ClearForReuse(e);
  return e;
}

void Ingestor::Impl::FillPosition(const DocCtx& ctx, SourcePosition* pos) const {
  pos->mutable_source()->assign(ctx.base.source());  // reuses the event's string capacity
  pos->set_partition(ctx.base.partition());
  if (ctx.base.partition() >= 0) {
    pos->set_offset(ctx.base.offset());
    pos->set_index(ctx.base.index() + message_index_);
  } else {
    pos->set_offset(ctx.base.offset() + ctx.offset);
    pos->set_index(record_index_);
  }
}

std::string Ingestor::Impl::Locator(const DocCtx& ctx) const {
  std::string s = ctx.line > 0 ? "line " + std::to_string(ctx.line)
                               : "document " + std::to_string(ctx.document);
  if (in_container_) s += " record " + std::to_string(record_index_);
  return s;
}

void Ingestor::Impl::StageDead(std::string_view raw, std::string reason, const DocCtx& ctx) {
  DeadLetter d;
  d.raw.assign(raw.substr(0, options_.max_dead_letter_raw_bytes));
  d.reason = Locator(ctx) + ": " + reason;
  FillPosition(ctx, &d.source);
  staged_dead_.push_back(std::move(d));
}

void Ingestor::Impl::DropStaged() {
  staged_events_ = 0;
  staged_dead_.clear();
  staged_skipped_ = 0;
}

void Ingestor::Impl::Flush(RecordSink& sink) {
  for (size_t i = 0; i < staged_events_; ++i) {
    ++counters_.records_in;
    ++counters_.accepted;
    sink.OnEvent(std::move(pool_[i]));
  }
  for (DeadLetter& d : staged_dead_) {
    ++counters_.records_in;
    ++counters_.deadlettered;
    sink.OnDeadLetter(std::move(d));
  }
  counters_.records_in += staged_skipped_;
  counters_.skipped += staged_skipped_;
  DropStaged();
}

void Ingestor::Impl::DeadLetterRaw(std::string_view raw, std::string reason,
                                   const SourcePosition& pos, RecordSink& sink) {
  DeadLetter d;
  d.raw.assign(raw.substr(0, options_.max_dead_letter_raw_bytes));
  d.reason = std::move(reason);
  d.source = pos;
  ++counters_.records_in;
  ++counters_.deadlettered;
  sink.OnDeadLetter(std::move(d));
}

// ---------------------------------------------------------------------------------------------
// Shapes

// NDJSON is read where it lies, without copying it into a padded buffer. simdjson reads up to
// SIMDJSON_PADDING bytes past the end of a document; for every line that ends at least that far
// before the end of `bytes`, those bytes are the following lines, which are readable. Only the
// last line(s) are copied into pad_buffer_.
int64_t Ingestor::Impl::IngestLinesInPlace(std::string_view bytes, const SourcePosition& base,
                                           int64_t first_line, RecordSink& sink) {
  message_index_ = 0;
  DocCtx ctx;
  ctx.base = base;
  const char* data = bytes.data();
  const size_t len = bytes.size();
  size_t safe = 0;  // lines ending before `safe` are read in place
  if (len > simdjson::SIMDJSON_PADDING) {
    const void* nl = memrchr(data, '\n', len - simdjson::SIMDJSON_PADDING);
    if (nl != nullptr) safe = static_cast<size_t>(static_cast<const char*>(nl) - data) + 1;
  }
  int64_t line_no = first_line;
  ReadLines(data, 0, safe, 0, &line_no, ctx, sink);
  if (safe < len) {
    // The last line(s): a padded copy, read the same way.
    pad_buffer_.assign(data + safe, len - safe);
    pad_buffer_.resize(len - safe + simdjson::SIMDJSON_PADDING, ' ');
    ReadLines(pad_buffer_.data(), 0, len - safe, safe, &line_no, ctx, sink);
  }
  return line_no;
}

void Ingestor::Impl::ReadLines(const char* data, size_t pos, size_t end, size_t shift,
                               int64_t* line_no, DocCtx& ctx, RecordSink& sink) {
  size_t per_line = 0;  // lines to read one by one before trying the fast path again
  while (pos < end) {
    if (per_line == 0 && options_.fast_path) {
      pos = StreamLines(data, pos, end, shift, line_no, ctx, sink);
      if (pos >= end) break;
      // The line at `pos` is not a clean one-document line (malformed, oversize, not a
      // container...): it and a few after it are read one by one, which also bounds the
      // stage-1 work a run of bad lines costs.
      per_line = 8;
    }
    pos = OneLine(data, pos, end, shift, line_no, ctx, sink);
    if (per_line > 0) --per_line;
  }
}

size_t Ingestor::Impl::OneLine(const char* data, size_t pos, size_t end, size_t shift,
                               int64_t* line_no, DocCtx& ctx, RecordSink& sink) {
  const void* nl = std::memchr(data + pos, '\n', end - pos);
  size_t stop = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) : end;
  std::string_view line(data + pos, stop - pos);
  if (*line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 BOM
  while (!line.empty() && IsSpace(line.back())) line.remove_suffix(1);
  size_t lead = 0;
  while (lead < line.size() && IsSpace(line[lead])) ++lead;
  line.remove_prefix(lead);
  if (!line.empty()) {
    ctx.offset = static_cast<int64_t>(shift + static_cast<size_t>(line.data() - data));
    ctx.line = *line_no;
    ctx.text = line;
    ProcessLine(line, ctx, sink);
  }
  ++*line_no;
  return stop + 1;
}

// ---------------------------------------------------------------------------------------------
// The fast path for NDJSON: one stage-1 pass (simdjson's, the same SIMD kernel the on-demand API
// uses: UTF-8 validation, string boundaries, structural characters) over a window of lines, then
// a strict walker over the structural positions that reads the fields of an ordinary record (or
// of each record of an envelope) straight into the event. It handles what Azure ordinarily
// writes; anything else (escapes in a field it reads, a null or wrong type, a dead record,
// Managed HSM's identity string, access-policy changes, malformed JSON...) sends that one line to
// ProcessLine, the general on-demand reader, so the outcome of every line is exactly what
// ProcessLine would make of it (tests/fast_path_test.cc and the fuzz target check it).
// Consistency: a line's structural positions equal those of a stage 1 over the line alone as
// long as every earlier line of the window was a whole, balanced document (the quote state at
// its start is then "outside a string"), which is checked before the window goes on.
// Stage 1 is reached through simdjson::internal::dom_parser_implementation (stage1(),
// structural_indexes), declared in simdjson's public header; the on-demand API exposes no
// structural positions. Written against simdjson 3.0 (Debian bookworm's).

namespace {
// Stage 1's capacity: the longest line the fast path takes (an Event Hubs message is at most
// 1 MiB). Windows of ordinary lines grow to kStreamWindow only: larger ones were no faster.
constexpr size_t kStreamBatch = 1 << 20;
constexpr size_t kStreamWindow = 128 << 10;
constexpr size_t kStreamFirstWindow = 8 << 10;
}  // namespace

size_t Ingestor::Impl::StreamLines(const char* data, size_t from, size_t to, size_t shift,
                                   int64_t* line_no, DocCtx& ctx, RecordSink& sink) {
  if (stage1_ == nullptr &&
      simdjson::get_active_implementation()->create_dom_parser_implementation(
          kStreamBatch, simdjson::DEFAULT_MAX_DEPTH, stage1_) != simdjson::SUCCESS) {
    stage1_.reset();
    return from;
  }
  while (from < to) {
    // A window of whole lines: small after a bad line, doubling while lines are clean.
    if (stream_window_ < kStreamFirstWindow) stream_window_ = kStreamFirstWindow;
    size_t wend = to;
    if (to - from > stream_window_) {
      const void* nl = memrchr(data + from, '\n', stream_window_);
      if (nl == nullptr && to - from > kStreamBatch) {
        // A line longer than the window (an envelope of many records, say): a window of that
        // line, if stage 1 can take it; else the general reader takes the line.
        nl = std::memchr(data + from + stream_window_, '\n', kStreamBatch - stream_window_);
        if (nl == nullptr) return from;
      }
      if (nl != nullptr) wend = static_cast<size_t>(static_cast<const char*>(nl) - data) + 1;
    }
    const char* w = data + from;
    if (stage1_->stage1(reinterpret_cast<const uint8_t*>(w), wend - from,
                        simdjson::stage1_mode::regular) != simdjson::SUCCESS) {
      // E.g. invalid UTF-8 somewhere in the window: line by line from here, then small windows
      // again, so that the bad line does not cost a large window's stage 1 over and over.
      stream_window_ = kStreamFirstWindow;
      return from;
    }
    w_ = w;
    tp_ = stage1_->structural_indexes.get();
    tend_ = tp_ + stage1_->n_structural_indexes;
    size_t pos = from;
    int64_t line = *line_no;
    bool clean = true;
    // The window's next backslash at or after the current line (wend if none): one search per
    // window where Azure's records have none, instead of one per line.
    size_t next_backslash = from;
    bool backslash_known = false;
    while (pos < wend) {
      // Blanks up to the next record; each newline among them ends a blank line. `pos` stays at
      // the start of the record's line.
      size_t b = pos;
      while (b < wend && IsSpace(data[b])) {
        if (data[b] == '\n') {
          ++line;
          pos = b + 1;
        }
        ++b;
      }
      if (b >= wend) {
        if (pos < wend) ++line;  // a last line of blanks without a newline
        pos = wend;
        break;
      }
      const uint32_t rb = static_cast<uint32_t>(b - from);
      if (tp_ >= tend_ || *tp_ != rb) {
        clean = false;
        break;
      }
      ctx.offset = static_cast<int64_t>(shift + b);
      ctx.line = line;
      ctx.check_extent = false;
      record_index_ = 0;
      doc_records_ = 0;
      in_container_ = false;
      const int32_t index_before = message_index_;
      const uint32_t* first = tp_;
      if (!backslash_known || next_backslash < b) {
        const void* bs = std::memchr(data + b, '\\', wend - b);
        next_backslash = bs ? static_cast<size_t>(static_cast<const char*>(bs) - data) : wend;
        backslash_known = true;
      }
      clean_below_ = next_backslash - from;
      // The record is read first and its line's end found from its closing brace (only blanks may
      // follow it before the newline), rather than a search for the newline over the whole line.
      size_t stop = wend;
      bool fast = data[b] == '{' && FastRecord(ctx, true);
      clean_below_ = 0;
      if (fast) {
        const size_t close = from + tp_[-1];
        size_t q = close + 1;
        while (q < wend && data[q] != '\n' && IsSpace(data[q])) ++q;
        // JSON allows newlines between tokens (and the fast reader does not look inside strings
        // for raw ones): a record spread over several lines is several malformed lines to the
        // line reader, so it must not pass here as one.
        fast = (q >= wend || data[q] == '\n') && close + 1 - b <= options_.max_record_bytes &&
               std::memchr(data + b, '\n', close - b) == nullptr;
        stop = q;
      }
      if (fast) {
        counters_.fast_path += staged_events_ + staged_skipped_;
        Flush(sink);
      } else {
        DropStaged();
        message_index_ = index_before;
        // The line, [b, e) without trailing blanks, for the general reader.
        const void* nl = std::memchr(data + b, '\n', wend - b);
        stop = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) : wend;
        size_t e = stop;
        while (e > b && IsSpace(data[e - 1])) --e;
        const uint32_t re = static_cast<uint32_t>(e - from);
        ctx.text = std::string_view(data + b, e - b);
        // Is the line one balanced document? Then the general reader takes this line and the
        // window goes on after it; if not, the window ends here.
        tp_ = first;
        if (!SkipValue() || tp_[-1] != re - 1 || (tp_ < tend_ && *tp_ < re)) {
          clean = false;
          break;
        }
        OneLine(data, pos, wend, shift, &line, ctx, sink);
        pos = stop + 1;
        continue;
      }
      pos = stop + 1;
      ++line;
    }
    *line_no = line;
    if (!clean) {
      stream_window_ = kStreamFirstWindow;
      return pos;
    }
    stream_window_ = std::min(kStreamWindow, stream_window_ * 2);
    from = wend;
  }
  return to;
}

// The token at tp_ and its text up to the next structural character, trailing blanks removed.
VW_INGEST_INLINE std::string_view Ingestor::Impl::TokenText() const {
  const char* p = w_ + tp_[0];
  const char* q = w_ + tp_[1];  // *tend_ is the window's length: always valid
  while (q > p + 1 && IsSpace(q[-1])) --q;
  return std::string_view(p, static_cast<size_t>(q - p));
}

VW_INGEST_INLINE bool Ingestor::Impl::FastString(std::string_view* out) {
  if (tp_ >= tend_ || w_[*tp_] != '"') return false;
  std::string_view t = TokenText();
  if (t.size() < 2 || t.back() != '"' ||
      (!KnownUnescaped(t.data() + t.size()) && HasBackslash(t.data() + 1, t.size() - 2)))
    return false;
  *out = std::string_view(t.data() + 1, t.size() - 2);
  ++tp_;
  return true;
}

namespace {
// Whether a token can start a JSON value, as the on-demand reader's type() decides from its first
// byte (it fails on anything else: a stray control character, say).
VW_INGEST_INLINE bool CanStartValue(char c) {
  switch (c) {
    case '{':
    case '[':
    case '"':
    case 'n':
    case 't':
    case 'f':
    case '-':
      return true;
    default:
      return c >= '0' && c <= '9';
  }
}
}  // namespace

// A key and its colon; false for anything but a string followed by ':'. The key is as written:
// it may hold escapes, which a member callback must rule out before skipping an unknown key (a
// key equal to a known one has none).
VW_INGEST_INLINE bool Ingestor::Impl::WalkKey(std::string_view* key) {
  if (tp_ + 1 >= tend_ || w_[*tp_] != '"') return false;
  std::string_view t = TokenText();
  if (t.size() < 2 || t.back() != '"' || w_[tp_[1]] != ':') return false;
  *key = std::string_view(t.data() + 1, t.size() - 2);
  tp_ += 2;
  return true;
}

// An unknown key's value is skipped, unless the key has escapes: it might then be a known key
// written differently, which the general reader sorts out.
inline bool Ingestor::Impl::SkipUnknown(std::string_view key) {
  return (KnownUnescaped(key.data() + key.size()) || !HasBackslash(key.data(), key.size())) &&
         SkipValue();
}

// Integer fields (durationMs, httpStatusCode) as Integer() reads them, for the plain forms: a
// JSON integer of at most 18 digits, or a string ParseDecimal accepts (with "78.5" truncated).
// 0: a value in *out; 1: null-like (an empty string); -1: anything else.
int Ingestor::Impl::FastInteger(int64_t* out) {
  if (tp_ >= tend_) return -1;
  char c = w_[*tp_];
  if (c == '"') {
    std::string_view s;
    if (!FastString(&s)) return -1;
    s = Trim(s);
    if (s.empty()) return 1;
    size_t dot = s.find('.');
    if (ParseDecimal(s.substr(0, dot), out) && (dot == s.npos || dot > 0)) return 0;
    return -1;
  }
  std::string_view t = TokenText();
  size_t i = t.size() > 0 && t[0] == '-' ? 1 : 0;
  size_t digits = t.size() - i;
  if (digits == 0 || digits > 18 || (t[i] == '0' && digits > 1)) return -1;
  int64_t v = 0;
  for (; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') return -1;
    v = v * 10 + (t[i] - '0');
  }
  if (t[0] == '-') {
    if (v == 0) return -1;  // "-0": left to the general reader
    v = -v;
  }
  *out = v;
  ++tp_;
  return 0;
}

// true / false literals; anything else (strings, null...) is left to the general reader.
bool Ingestor::Impl::FastBool(bool* out) {
  if (tp_ >= tend_) return false;
  std::string_view t = TokenText();
  if (t == "true") {
    *out = true;
  } else if (t == "false") {
    *out = false;
  } else {
    return false;
  }
  ++tp_;
  return true;
}

// Skips one value, checking that brackets nest and match (commas and colons inside are not
// checked, as the on-demand reader does not check them in values it skips).
bool Ingestor::Impl::SkipValue() {
  if (tp_ >= tend_) return false;
  char c = w_[*tp_];
  if (c == ',' || c == ':' || c == '}' || c == ']') return false;
  ++tp_;
  if (c != '{' && c != '[') return true;
  uint64_t closers = c == '{' ? 1 : 0;  // a bit per open bracket: 1 = '}' expected
  int depth = 1;
  while (tp_ < tend_) {
    char t = w_[*tp_++];
    if (t == '{' || t == '[') {
      if (depth == 64) return false;
      closers = (closers << 1) | (t == '{' ? 1 : 0);
      ++depth;
    } else if (t == '}' || t == ']') {
      if (((closers & 1) != 0) != (t == '}')) return false;
      closers >>= 1;
      if (--depth == 0) return true;
    }
  }
  return false;
}

// The members of an object, one callback per key with tp_ at its value; the callback reads or
// skips the value. False on a grammar error or when the callback gives up.
template <typename F>
bool Ingestor::Impl::FastObject(F&& member) {
  if (tp_ >= tend_ || w_[*tp_] != '{') return false;
  ++tp_;
  if (tp_ < tend_ && w_[*tp_] == '}') {
    ++tp_;
    return true;
  }
  while (true) {
    std::string_view key;
    if (!WalkKey(&key) || !member(key)) return false;
    if (tp_ >= tend_) return false;
    char c = w_[*tp_++];
    if (c == '}') return true;
    if (c != ',') return false;
  }
}

// Azure's own form of `time`, "2026-01-15T00:00:01.1234567Z" (also without fraction or zone, or
// with 't' or ' ' or 'z'), as ParseRfc3339 reads it, with the date's day number cached: records
// come in time order, so one date serves many. False for anything else (offsets, errors), which
// ParseRfc3339 then reads.
bool Ingestor::Impl::FastTime(std::string_view t, int64_t* us) {
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || t[13] != ':' || t[16] != ':' ||
      (t[10] != 'T' && t[10] != 't' && t[10] != ' ')) {
    return false;
  }
  auto digits = [&t](size_t at, size_t n, int64_t* v) {
    int64_t x = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
      x = x * 10 + (t[i] - '0');
    }
    *v = x;
    return true;
  };
  if (std::memcmp(t.data(), day_cache_date_, 10) != 0) {
    int64_t year, month, day;
    if (!digits(0, 4, &year) || !digits(5, 2, &month) || !digits(8, 2, &day)) return false;
    static constexpr int kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1 || day > kDaysInMonth[month - 1]) return false;
    day_cache_days_ = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    std::memcpy(day_cache_date_, t.data(), 10);
  }
  int64_t hour, minute, second;
  if (!digits(11, 2, &hour) || !digits(14, 2, &minute) || !digits(17, 2, &second) || hour > 23 ||
      minute > 59 || second > 60) {
    return false;
  }
  if (second == 60) second = 59;  // as ParseRfc3339: a leap second is clamped
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    size_t n = 0;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      if (n < 6) micros = micros * 10 + (t[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return false;
    for (size_t i = n; i < 6; ++i) micros *= 10;
  }
  if (pos < t.size() && (t[pos] == 'Z' || t[pos] == 'z')) ++pos;
  if (pos != t.size()) return false;
  *us = (day_cache_days_ * 86400 + hour * 3600 + minute * 60 + second) * 1000000 + micros;
  return true;
}

// One NDJSON line holding one record object, read as ProcessObject + ReadRecordField would read
// it; false when the general reader must take the line.
bool Ingestor::Impl::FastRecord(DocCtx& ctx, bool may_be_envelope) {
  AccessEvent* e = BeginRecord();
  std::string_view s;
  int64_t n = 0;
  bool envelope = false;
  bool first_member = true;
  bool ok = FastObject([&](std::string_view key) -> bool {
    const bool first = first_member;
    first_member = false;
    if (envelope) return SkipUnknown(key);  // other members of an envelope: not used
    switch (key.size()) {
      case 4:
        if (KeyIs(key, "time")) {
          if (!FastString(&s)) return false;
          int64_t us = 0;
          if (!FastTime(s, &us)) {
            Result<EventTime> t = ParseRfc3339(s);
            if (!t.ok()) return false;
            us = t->micros();
          }
          e->set_time_us(us);
          has_time_ = true;
          return true;
        }
        break;
      case 7:
        // ProcessObject asks a root "records" member's value for its type (is it an envelope?).
        if (KeyIs(key, "records") && may_be_envelope &&
            (tp_ >= tend_ || !CanStartValue(w_[*tp_]))) {
          return false;
        }
        if (KeyIs(key, "records") && may_be_envelope && w_[*tp_] == '[') {
          // An envelope (its records are read here; the general reader takes envelopes with
          // members before "records", which it reads as a record's first).
          if (!first) return false;
          envelope = true;
          return FastEnvelope(ctx);
        }
        break;
      case 8:
        if (KeyIs(key, "category")) {
          if (!FastString(&s)) return false;
          category_ = s;
          return true;
        }
        if (KeyIs(key, "identity")) return FastIdentity(e);
        if (KeyIs(key, "tenantId")) {
          if (!FastString(&s)) return false;
          if (e->caller().tenant_id().empty()) {
            AppendLower(s, e->mutable_caller()->mutable_tenant_id());
          }
          return true;
        }
        break;
      case 10:
        if (KeyIs(key, "resourceId")) {
          if (!FastString(&s)) return false;
          s = Trim(s);
          if (!s.empty()) {
            SetVault(s, e);
            has_resource_ = true;
          }
          return true;
        }
        if (KeyIs(key, "durationMs")) {
          int r = FastInteger(&n);
          if (r < 0) return false;
          if (r == 0) e->set_duration_ms(n);
          return true;
        }
        if (KeyIs(key, "properties")) return FastProperties(e);
        if (KeyIs(key, "clientInfo")) {
          if (!FastString(&s)) return false;
          e->mutable_client_info()->assign(s);
          return true;
        }
        if (KeyIs(key, "requestUri")) {
          if (!FastString(&s)) return false;
          e->mutable_request_uri()->assign(s);
          request_uri_ = s;
          return true;
        }
        break;
      case 13:
        if (KeyIs(key, "operationName")) {
          if (!FastString(&s)) return false;
          s = Trim(s);
          if (!s.empty()) {
            OperationInfo info = LookupOperation(s);
            e->set_operation(info.operation);
            e->set_object_type(info.object_type);
            e->mutable_operation_name()->assign(s);
            has_operation_ = true;
          }
          return true;
        }
        if (KeyIs(key, "correlationId")) {
          if (!FastString(&s)) return false;
          e->mutable_correlation_id()->assign(s);
          return true;
        }
        break;
      case 14:
        if (KeyIs(key, "httpStatusCode")) return FastStatus(e);
        break;
      case 15:
        if (KeyIs(key, "callerIpAddress")) {
          if (!FastString(&s)) return false;
          vw::v1::Caller* c = e->mutable_caller();
          c->mutable_ip_text()->assign(s);
          ParseIp(s, c->mutable_ip());
          return true;
        }
        if (KeyIs(key, "resultSignature")) {
          if (!FastString(&s)) return false;
          e->mutable_result_signature()->assign(s);
          return true;
        }
        break;
      case 16:
        if (KeyIs(key, "operationVersion")) {
          if (!FastString(&s)) return false;
          e->mutable_operation_version()->assign(s);
          return true;
        }
        break;
      default:
        break;
    }
    return SkipUnknown(key);  // resultType, resultDescription, and anything new: not needed
  });
  if (!ok) return false;
  if (envelope) return true;
  if (!category_.empty() && !EqualsIgnoreCase(category_, options_.accept_category)) {
    ++staged_skipped_;
    ++message_index_;
    return true;
  }
  if (!has_time_ || !has_resource_ || !has_operation_) return false;  // a dead letter: see there
  FinishRecord(e, ctx);
  return true;
}

// The records array of an envelope, as ProcessArray reads it for an envelope's "records": each
// element a record (a "records" member in one is just an unknown member).
bool Ingestor::Impl::FastEnvelope(DocCtx& ctx) {
  ++tp_;  // '['
  in_container_ = true;
  if (tp_ < tend_ && w_[*tp_] == ']') {
    ++tp_;
    return true;
  }
  while (true) {
    record_index_ = doc_records_;
    if (tp_ >= tend_ || w_[*tp_] != '{' || !FastRecord(ctx, false)) return false;
    ++doc_records_;
    if (tp_ >= tend_) return false;
    char c = w_[*tp_++];
    if (c == ']') return true;
    if (c != ',') return false;
  }
}

bool Ingestor::Impl::FastStatus(AccessEvent* e) {
  int64_t n = 0;
  int r = FastInteger(&n);
  if (r < 0) return false;
  if (r == 0) {
    if (n < 0 || n > 999) return false;  // a dead letter
    http_status_ = n;
    e->set_http_status(static_cast<int32_t>(n));
  }
  return true;
}

bool Ingestor::Impl::FastProperties(AccessEvent* e) {
  return FastObject([&](std::string_view key) -> bool {
    std::string_view s;
    bool b = false;
    switch (key.size()) {
      case 2:
        if (KeyIs(key, "id")) {
          if (!FastString(&s)) return false;
          props_id_ = s;
          return true;
        }
        break;
      case 10:
        if (KeyIs(key, "clientInfo")) {
          if (!FastString(&s)) return false;
          e->mutable_client_info()->assign(s);
          return true;
        }
        if (KeyIs(key, "requestUri")) {
          if (!FastString(&s)) return false;
          e->mutable_request_uri()->assign(s);
          request_uri_ = s;
          return true;
        }
        break;
      case 14:
        if (KeyIs(key, "httpStatusCode")) return FastStatus(e);
        break;
      case 16:
        if (KeyIs(key, "isRbacAuthorized")) {
          if (!FastBool(&b)) return false;
          e->set_is_rbac_authorized(b ? vw::v1::TRI_STATE_TRUE : vw::v1::TRI_STATE_FALSE);
          return true;
        }
        break;
      case 17:
        if (KeyIs(key, "addedAccessPolicy")) return false;
        break;
      case 19:
        if (KeyIs(key, "isAccessPolicyMatch")) {
          if (!FastBool(&b)) return false;
          e->set_is_access_policy_match(b ? vw::v1::TRI_STATE_TRUE : vw::v1::TRI_STATE_FALSE);
          return true;
        }
        if (KeyIs(key, "removedAccessPolicy")) return false;
        break;
      default:
        break;
    }
    return SkipUnknown(key);
  });
}

bool Ingestor::Impl::FastIdentity(AccessEvent* e) {
  return FastObject([&](std::string_view key) -> bool {
    if (!KeyIs(key, "claim")) return SkipUnknown(key);
    return FastClaims(e);
  });
}

// Claims as ReadClaims reads them at the top level; nested claim objects (Managed HSM) go to the
// general reader.
bool Ingestor::Impl::FastClaims(AccessEvent* e) {
  vw::v1::Caller* c = e->mutable_caller();
  return FastObject([&](std::string_view key) -> bool {
    // Claim keys are URIs at times; whatever they hold, escapes go to the general reader.
    if (tp_ >= tend_ ||
        (!KnownUnescaped(key.data() + key.size()) && HasBackslash(key.data(), key.size()))) {
      return false;
    }
    char first = w_[*tp_];
    if (first == '{') return false;
    if (first != '"') {
      // Arrays (xms_az_nwperimid), numbers: not used. ReadClaims asks every claim value for its
      // type, which fails on a token that cannot start a JSON value.
      if (!CanStartValue(first)) return false;
      return SkipValue();
    }
    // The part after the last '/' (claim keys are short names or URIs ending in a short name):
    // a plain backward loop, cheaper here than rfind's call.
    size_t name_at = key.size();
    while (name_at > 0 && key[name_at - 1] != '/') --name_at;
    std::string_view name = key.substr(name_at);
    // Only the claims used are read (and checked for escapes), as ReadClaims does.
    enum {
      kUnused,
      kObjectId,
      kUpn,
      kTenantId,
      kName,
      kAppId,
      kIdtyp,
      kIpaddr,
      kUniqueName
    } which = kUnused;
    switch (name.size()) {
      case 3:
        which = KeyIs(name, "oid")   ? kObjectId
                : KeyIs(name, "upn") ? kUpn
                : KeyIs(name, "tid") ? kTenantId
                                     : kUnused;
        break;
      case 4:
        if (KeyIs(name, "name")) which = kName;
        break;
      case 5:
        which = KeyIs(name, "appid") ? kAppId : KeyIs(name, "idtyp") ? kIdtyp : kUnused;
        break;
      case 6:
        if (KeyIs(name, "ipaddr")) which = kIpaddr;
        break;
      case 8:
        if (KeyIs(name, "tenantId")) which = kTenantId;
        break;
      case 11:
        if (KeyIs(name, "unique_name")) which = kUniqueName;
        break;
      case 16:
        if (KeyIs(name, "objectidentifier")) which = kObjectId;
        break;
      default:
        break;
    }
    if (which == kUnused) return SkipValue();
    std::string_view s;
    if (!FastString(&s)) return false;
    switch (which) {
      case kObjectId:
        AssignLower(s, c->mutable_object_id());
        break;
      case kUpn:
        upn_ = s;
        break;
      case kTenantId:
        AssignLower(s, c->mutable_tenant_id());
        break;
      case kName:
        name_claim_ = s;
        break;
      case kAppId:
        AssignLower(s, c->mutable_app_id());
        break;
      case kIdtyp:
        idtyp_ = s;
        break;
      case kIpaddr:
        ipaddr_claim_ = s;
        break;
      case kUniqueName:
        unique_name_ = s;
        break;
      case kUnused:
        break;
    }
    return true;
  });
}

void Ingestor::Impl::ProcessLine(std::string_view line, DocCtx& ctx, RecordSink& sink) {
  record_index_ = 0;
  doc_records_ = 0;
  in_container_ = false;
  ctx.check_extent = line.size() > options_.max_record_bytes;
  if (ctx.check_extent && !LooksLikeContainer(line)) {
    StageDead(line,
              "record of " + std::to_string(line.size()) + " bytes exceeds max_record_bytes (" +
                  std::to_string(options_.max_record_bytes) + ")",
              ctx);
    ++message_index_;
    Flush(sink);
    return;
  }
  // The bytes after the line are readable (the buffer is padded), which is all simdjson needs.
  const int32_t index_before = message_index_;
  od::document doc;
  auto err =
      parser_.iterate(line.data(), line.size(), line.size() + simdjson::SIMDJSON_PADDING).get(doc);
  bool ok = !err && ProcessRoot(doc, ctx);
  if (err) broken_reason_ = std::string("malformed JSON: ") + simdjson::error_message(err);
  const char* trailing = nullptr;
  if (ok && !doc.current_location().get(trailing)) {
    ok = false;  // "{...} {...}" or "{...} x" on one line
    broken_reason_ = "malformed JSON: unexpected content after the JSON value";
  }
  if (!ok) {
    // Whatever the line staged is dropped, and with it the indices it took: the line is one dead
    // letter at the line's own index.
    DropStaged();
    message_index_ = index_before;
    in_container_ = false;
    record_index_ = 0;
    doc_records_ = 0;
    StageDead(line, broken_reason_, ctx);
    ++message_index_;
  }
  Flush(sink);
}

void Ingestor::Impl::IngestDocuments(const char* data, size_t len, const SourcePosition& base,
                                     RecordSink& sink) {
  message_index_ = 0;
  DocCtx ctx;
  ctx.base = base;
  size_t start = 0;
  while (start < len && IsSpace(data[start])) ++start;
  if (std::string_view(data + start, len - start).substr(0, 3) == "\xEF\xBB\xBF") start += 3;
  if (start >= len) return;
  size_t consumed = 0;         // bytes (from `start`) of documents fully handled
  int32_t consumed_index = 0;  // message_index_ after them
  bool truncated = false;
  simdjson::error_code err = simdjson::SUCCESS;
  {
    // One batch holding the whole input: documents are found by the structural index, so
    // pretty-printed documents, one after another, are read in one pass. The stream is done with
    // before the parser is used again for lines below.
    size_t batch = std::max<size_t>(len - start, simdjson::dom::MINIMAL_BATCH_SIZE);
    od::document_stream stream;
    err = parser_.iterate_many(data + start, len - start, batch).get(stream);
    if (!err) {
      for (auto it = stream.begin(); it != stream.end(); ++it) {
        size_t at = it.current_index();
        consumed_index = message_index_;
        ctx.offset = static_cast<int64_t>(start + at);
        ++ctx.document;
        ctx.line = 0;
        record_index_ = 0;
        doc_records_ = 0;
        in_container_ = false;
        if (it.error()) {
          broken_reason_ = std::string("malformed JSON: ") + simdjson::error_message(it.error());
          consumed = at;
          err = it.error();
          break;
        }
        std::string_view text = it.source();
        ctx.text = text;
        ctx.check_extent = text.size() > options_.max_record_bytes;
        if (ctx.check_extent && !LooksLikeContainer(text)) {
          if (HasWholeLineAfterTheFirst(text)) {
            // Lines run together by a broken first one (see below), not one big record.
            consumed = at;
            err = simdjson::TAPE_ERROR;
            break;
          }
          StageDead(text,
                    "record of " + std::to_string(text.size()) +
                        " bytes exceeds max_record_bytes (" +
                        std::to_string(options_.max_record_bytes) + ")",
                    ctx);
          ++message_index_;
          Flush(sink);
          consumed = at + text.size();
          continue;
        }
        auto doc = *it;
        if (!ProcessRoot(doc, ctx)) {
          consumed = at;
          err = simdjson::TAPE_ERROR;
          break;
        }
        Flush(sink);
        consumed = at + text.size();
      }
      if (!err && stream.truncated_bytes() > 0) {
        truncated = true;
        consumed = len - start - stream.truncated_bytes();
        broken_reason_ = "malformed JSON: incomplete document at the end of the input";
        err = simdjson::INCOMPLETE_ARRAY_OR_OBJECT;
      }
    } else {
      broken_reason_ = std::string("malformed JSON: ") + simdjson::error_message(err);
    }
  }
  if (!err) return;
  DropStaged();
  size_t from = start + consumed;
  while (from < len && IsSpace(data[from])) ++from;
  if (from >= len) return;
  std::string_view rest(data + from, len - from);
  if (HasWholeLineAfterTheFirst(rest)) {
    // NDJSON whose first line (or a later one) is broken: document mode ran the broken line into
    // the lines after it. A later line that is a whole JSON value on its own shows the input is
    // lines, so from here on each line is read on its own and a broken one costs only itself.
    int64_t line_no = 1 + static_cast<int64_t>(std::count(data, data + from, '\n'));
    message_index_ = truncated ? message_index_ : consumed_index;  // the broken one's were dropped
    ctx.document = 0;
    ctx.check_extent = false;
    in_container_ = false;
    ReadLines(data, from, len, 0, &line_no, ctx, sink);
    return;
  }
  // Everything from the broken document on is one dead letter: its record boundaries are unknown.
  ctx.offset = static_cast<int64_t>(from);
  if (truncated || ctx.document == 0) ++ctx.document;  // else: the failing one is counted
  ctx.line = 0;
  record_index_ = 0;
  doc_records_ = 0;
  in_container_ = false;
  StageDead(rest, broken_reason_, ctx);
  ++message_index_;
  Flush(sink);
}

template <typename Doc>
bool Ingestor::Impl::ProcessRoot(Doc& doc, DocCtx& ctx) {
  od::json_type type;
  if (auto err = doc.type().get(type)) {
    broken_reason_ = std::string("malformed JSON: ") + simdjson::error_message(err);
    return false;
  }
  if (type == od::json_type::object) {
    od::object obj;
    if (auto err = doc.get_object().get(obj)) {
      broken_reason_ = std::string("malformed JSON: ") + simdjson::error_message(err);
      return false;
    }
    Rec r = ProcessObject(obj, ctx.text.data(), true, ctx);
    if (r == Rec::kBroken) return false;
  } else if (type == od::json_type::array) {
    od::array arr;
    if (auto err = doc.get_array().get(arr)) {
      broken_reason_ = std::string("malformed JSON: ") + simdjson::error_message(err);
      return false;
    }
    if (!ProcessArray(arr, true, ctx)) return false;
  } else {
    StageDead(ctx.text, std::string("not a record: the document is ") + TypeName(type), ctx);
    ++message_index_;
    return true;
  }
  return true;
}

bool Ingestor::Impl::ProcessArray(od::array arr, bool elements_may_be_envelopes, DocCtx& ctx) {
  in_container_ = true;
  for (auto element : arr) {
    record_index_ = doc_records_;
    od::value v;
    if (auto err = element.get(v)) {
      Broken(err, RecordWhere());
      return false;
    }
    const char* start = nullptr;
    if (v.current_location().get(start)) start = nullptr;
    od::json_type type;
    if (auto err = v.type().get(type)) {
      Broken(err, RecordWhere());
      return false;
    }
    std::string_view rest;
    if (start != nullptr) {
      rest =
          std::string_view(start, static_cast<size_t>(ctx.text.data() + ctx.text.size() - start));
    }
    if (type != od::json_type::object) {
      std::string_view raw = rest.substr(0, type == od::json_type::array ? ValueExtent(rest) : 64);
      StageDead(raw, std::string("not a record: the element is ") + TypeName(type), ctx);
      ++message_index_;
      ++doc_records_;
      continue;
    }
    if (ctx.check_extent && start != nullptr &&
        !(elements_may_be_envelopes && LooksLikeContainer(rest))) {
      size_t extent = ValueExtent(rest);
      if (extent > options_.max_record_bytes) {
        StageDead(rest.substr(0, extent),
                  "record of " + std::to_string(extent) + " bytes exceeds max_record_bytes (" +
                      std::to_string(options_.max_record_bytes) + ")",
                  ctx);
        ++message_index_;
        ++doc_records_;
        continue;
      }
    }
    od::object obj;
    if (auto err = v.get_object().get(obj)) {
      Broken(err, RecordWhere());
      return false;
    }
    Rec r = ProcessObject(obj, start, elements_may_be_envelopes, ctx);
    if (r == Rec::kBroken) return false;
    if (r != Rec::kEnvelope) ++doc_records_;
    in_container_ = true;  // an envelope element's records leave it set; keep it explicit
  }
  return true;
}

// Reads one object: a record, or (at the root) an envelope whose "records" array holds them.
Rec Ingestor::Impl::ProcessObject(od::object obj, const char* start, bool may_be_envelope,
                                  DocCtx& ctx) {
  AccessEvent* e = BeginRecord();
  Rec result = Rec::kAccepted;
  bool envelope = false;
  for (auto field_result : obj) {
    od::field field;
    if (auto err = std::move(field_result).get(field)) return Broken(err, RecordWhere());
    std::string_view key;
    if (auto err = FastKey(field, &key)) return Broken(err, RecordWhere());
    if (envelope) continue;  // other members of an envelope carry nothing we use
    if (may_be_envelope && key.size() == 7 && KeyIs(key, "records")) {
      od::value v = field.value();
      od::json_type t;
      if (auto err = v.type().get(t)) return Broken(err, RecordWhere());
      if (t == od::json_type::array) {
        od::array arr;
        if (auto err = v.get_array().get(arr)) return Broken(err, RecordWhere());
        envelope = true;
        if (!ProcessArray(arr, false, ctx)) return Rec::kBroken;
        continue;
      }
    }
    if (result != Rec::kAccepted) continue;  // already dead: read on only to find an envelope
    result = ReadRecordField(key, field.value(), e);
    if (result == Rec::kBroken) {
      if (in_container_) broken_reason_ = RecordWhere() + ": " + broken_reason_;
      return Rec::kBroken;
    }
  }
  if (envelope) return Rec::kEnvelope;
  // A record of another category is not ours, whatever else it holds.
  if (!category_.empty() && !EqualsIgnoreCase(category_, options_.accept_category)) {
    ++staged_skipped_;
    ++message_index_;
    return Rec::kSkipped;
  }
  if (result == Rec::kAccepted) {
    if (!has_time_) {
      reason_ = "'time' missing";
    } else if (!has_resource_) {
      reason_ = "'resourceId' missing";
    } else if (!has_operation_) {
      reason_ = "'operationName' missing";
    }
    if (!reason_.empty()) result = Rec::kDead;
  }
  if (result == Rec::kDead) {
    // The record's own bytes: the line, or (inside a container) found by bracket matching, which
    // is only worth its cost on this path.
    std::string_view raw;
    if (ctx.line > 0 && !in_container_) {
      raw = ctx.text;
    } else if (start != nullptr) {
      std::string_view rest(start, static_cast<size_t>(ctx.text.data() + ctx.text.size() - start));
      raw = rest.substr(0, ValueExtent(rest));
    }
    StageDead(raw, reason_, ctx);
    ++message_index_;
    return Rec::kDead;
  }
  FinishRecord(e, ctx);
  return Rec::kAccepted;
}

AccessEvent* Ingestor::Impl::BeginRecord() {
  reason_.clear();
  // One by one: chained assignments of views make GCC copy through memory (a stall).
  category_ = {};
  idtyp_ = {};
  upn_ = {};
  unique_name_ = {};
  name_claim_ = {};
  ipaddr_claim_ = {};
  props_id_ = {};
  request_uri_ = {};
  http_status_ = 0;
  has_time_ = has_resource_ = has_operation_ = false;
  return NewEvent();
}

void Ingestor::Impl::FinishRecord(AccessEvent* e, const DocCtx& ctx) {
  // Derived fields, once every member has been read (JSON member order is free).
  vw::v1::Caller* caller = e->mutable_caller();
  std::string_view upn = !upn_.empty()           ? upn_
                         : !unique_name_.empty() ? unique_name_
                                                 : std::string_view();
  if (upn.empty() && name_claim_.find('@') != std::string_view::npos) upn = name_claim_;
  if (!upn.empty()) AppendLower(upn, caller->mutable_upn());
  caller->set_identity_type(DeriveIdentityType(!caller->upn().empty(), !caller->app_id().empty(),
                                               !caller->object_id().empty(), idtyp_));
  if (caller->ip_text().empty() && !ipaddr_claim_.empty()) {
    caller->mutable_ip_text()->assign(ipaddr_claim_);
    ParseIp(ipaddr_claim_, caller->mutable_ip());
  }
  if (!props_id_.empty()) ParseTarget(props_id_, false, e);
  if (e->target_name().empty() && !request_uri_.empty()) ParseTarget(request_uri_, true, e);
  e->set_outcome(
      DeriveOutcome(static_cast<int>(http_status_), e->result_signature(), e->operation()));
  if (!category_.empty()) e->mutable_category()->assign(category_);
  FillPosition(ctx, e->mutable_source());
  ++staged_events_;
  ++message_index_;
}

Rec Ingestor::Impl::Wrong(std::string_view field, std::string_view expected, od::json_type got) {
  reason_ = "'";
  reason_.append(field);
  reason_ += "' is ";
  reason_ += TypeName(got);
  reason_ += ", expected ";
  reason_.append(expected);
  return Rec::kDead;
}

Rec Ingestor::Impl::Broken(simdjson::error_code err, std::string_view where) {
  broken_reason_.clear();
  if (!where.empty()) {
    broken_reason_.append(where);
    broken_reason_ += ": ";
  }
  broken_reason_ += "malformed JSON: ";
  broken_reason_ += simdjson::error_message(err);
  return Rec::kBroken;
}

std::string Ingestor::Impl::RecordWhere() const {
  return in_container_ ? "record " + std::to_string(record_index_) : std::string();
}

Got Ingestor::Impl::String(od::value& v, std::string_view field, std::string_view* out) {
  if (InPlaceString(v, out)) return Got::kValue;
  auto err = v.get_string().get(*out);
  if (!err) return Got::kValue;
  od::json_type t;
  if (err == simdjson::INCORRECT_TYPE && !v.type().get(t)) {  // not a string: the value is intact
    if (t == od::json_type::null) return Got::kNull;
    Wrong(field, "a string", t);
    return Got::kWrongType;
  }
  broken_reason_ = std::string("malformed JSON in '") + std::string(field) +
                   "': " + simdjson::error_message(err);
  return Got::kBroken;
}

Got Ingestor::Impl::Integer(od::value& v, std::string_view field, int64_t* out) {
  od::json_type t;
  if (auto err = v.type().get(t)) {
    broken_reason_ = std::string("malformed JSON in '") + std::string(field) +
                     "': " + simdjson::error_message(err);
    return Got::kBroken;
  }
  if (t == od::json_type::null) return Got::kNull;
  if (t == od::json_type::number) {
    double d;
    if (!v.get_int64().get(*out)) return Got::kValue;
    if (auto err = v.get_double().get(d)) {
      broken_reason_ = std::string("malformed JSON in '") + std::string(field) +
                       "': " + simdjson::error_message(err);
      return Got::kBroken;
    }
    if (!(d > -9.2e18 && d < 9.2e18)) {
      reason_ = "'" + std::string(field) + "' is out of range";
      return Got::kWrongType;
    }
    *out = static_cast<int64_t>(d);
    return Got::kValue;
  }
  if (t == od::json_type::string) {
    std::string_view s;
    if (auto err = v.get_string().get(s)) {
      broken_reason_ = std::string("malformed JSON in '") + std::string(field) +
                       "': " + simdjson::error_message(err);
      return Got::kBroken;
    }
    s = Trim(s);
    if (s.empty()) return Got::kNull;
    size_t dot = s.find('.');  // "78.5" ms: whole milliseconds are enough
    if (ParseDecimal(s.substr(0, dot), out) && (dot == s.npos || dot > 0)) return Got::kValue;
    reason_ =
        "'" + std::string(field) + "' is not a number: \"" + std::string(s.substr(0, 64)) + "\"";
    return Got::kWrongType;
  }
  Wrong(field, "a number", t);
  return Got::kWrongType;
}

Got Ingestor::Impl::Boolean(od::value& v, std::string_view field, bool* out) {
  od::json_type t;
  if (auto err = v.type().get(t)) {
    broken_reason_ = std::string("malformed JSON in '") + std::string(field) +
                     "': " + simdjson::error_message(err);
    return Got::kBroken;
  }
  if (t == od::json_type::null) return Got::kNull;
  if (t == od::json_type::boolean) {
    if (auto err = v.get_bool().get(*out)) {
      broken_reason_ = std::string("malformed JSON in '") + std::string(field) +
                       "': " + simdjson::error_message(err);
      return Got::kBroken;
    }
    return Got::kValue;
  }
  if (t == od::json_type::string) {  // "true" / "false", as some exports write them
    std::string_view s;
    if (!v.get_string().get(s)) {
      if (EqualsIgnoreCase(s, "true")) {
        *out = true;
        return Got::kValue;
      }
      if (EqualsIgnoreCase(s, "false")) {
        *out = false;
        return Got::kValue;
      }
      if (s.empty()) return Got::kNull;
    }
  }
  Wrong(field, "a boolean", t);
  return Got::kWrongType;
}

#define VW_GOT_OR_RETURN(expr)                         \
  do {                                                 \
    Got vw_got_ = (expr);                              \
    if (vw_got_ == Got::kBroken) return Rec::kBroken;  \
    if (vw_got_ == Got::kWrongType) return Rec::kDead; \
    got = vw_got_;                                     \
  } while (false)

Rec Ingestor::Impl::ReadRecordField(std::string_view key, od::value v, AccessEvent* e) {
  std::string_view s;
  int64_t n = 0;
  Got got = Got::kNull;
  switch (key.size()) {
    case 4:
      if (KeyIs(key, "time")) {
        VW_GOT_OR_RETURN(String(v, "time", &s));
        if (got == Got::kNull) return Rec::kAccepted;  // reported as missing at the end
        Result<EventTime> t = ParseRfc3339(s);
        if (!t.ok()) {
          reason_ = "'time' is not an RFC 3339 time: \"" + std::string(s.substr(0, 64)) + "\"";
          return Rec::kDead;
        }
        e->set_time_us(t->micros());
        has_time_ = true;
      }
      return Rec::kAccepted;
    case 8:
      if (KeyIs(key, "category")) {
        VW_GOT_OR_RETURN(String(v, "category", &s));
        if (got == Got::kValue) category_ = s;
      } else if (KeyIs(key, "identity")) {
        return ReadIdentity(v, e);
      } else if (KeyIs(key, "tenantId")) {
        VW_GOT_OR_RETURN(String(v, "TenantId", &s));
        if (got == Got::kValue && e->caller().tenant_id().empty()) {
          AppendLower(s, e->mutable_caller()->mutable_tenant_id());
        }
      }
      return Rec::kAccepted;
    case 10:
      if (KeyIs(key, "resourceId")) {
        VW_GOT_OR_RETURN(String(v, "resourceId", &s));
        if (got == Got::kValue && !Trim(s).empty()) {
          SetVault(Trim(s), e);
          has_resource_ = true;
        }
      } else if (KeyIs(key, "durationMs")) {
        VW_GOT_OR_RETURN(Integer(v, "durationMs", &n));
        if (got == Got::kValue) e->set_duration_ms(n);
      } else if (KeyIs(key, "properties")) {
        return ReadProperties(v, e);
      } else if (KeyIs(key, "clientInfo")) {
        VW_GOT_OR_RETURN(String(v, "clientInfo", &s));
        if (got == Got::kValue) e->mutable_client_info()->assign(s);
      } else if (KeyIs(key, "requestUri")) {
        VW_GOT_OR_RETURN(String(v, "requestUri", &s));
        if (got == Got::kValue) {
          e->mutable_request_uri()->assign(s);
          request_uri_ = s;
        }
      }
      return Rec::kAccepted;
    case 13:
      if (KeyIs(key, "operationName")) {
        VW_GOT_OR_RETURN(String(v, "operationName", &s));
        s = Trim(s);
        if (got == Got::kValue && !s.empty()) {
          OperationInfo info = LookupOperation(s);
          e->set_operation(info.operation);
          e->set_object_type(info.object_type);
          e->mutable_operation_name()->assign(s);
          has_operation_ = true;
        }
      } else if (KeyIs(key, "correlationId")) {
        VW_GOT_OR_RETURN(String(v, "correlationId", &s));
        if (got == Got::kValue) e->mutable_correlation_id()->assign(s);
      }
      return Rec::kAccepted;
    case 14:
      if (KeyIs(key, "httpStatusCode")) {
        VW_GOT_OR_RETURN(Integer(v, "httpStatusCode", &n));
        if (got == Got::kValue) {
          if (n < 0 || n > 999) {
            reason_ = "'httpStatusCode' is out of range: " + std::to_string(n);
            return Rec::kDead;
          }
          http_status_ = n;
          e->set_http_status(static_cast<int32_t>(n));
        }
      }
      return Rec::kAccepted;
    case 15:
      if (KeyIs(key, "callerIpAddress")) {
        VW_GOT_OR_RETURN(String(v, "callerIpAddress", &s));
        if (got == Got::kValue) {
          vw::v1::Caller* c = e->mutable_caller();
          c->mutable_ip_text()->assign(s);
          ParseIp(s, c->mutable_ip());
        }
      } else if (KeyIs(key, "resultSignature")) {
        VW_GOT_OR_RETURN(String(v, "resultSignature", &s));
        if (got == Got::kValue) e->mutable_result_signature()->assign(s);
      }
      return Rec::kAccepted;
    case 16:
      if (KeyIs(key, "operationVersion")) {
        VW_GOT_OR_RETURN(String(v, "operationVersion", &s));
        if (got == Got::kValue) e->mutable_operation_version()->assign(s);
      }
      return Rec::kAccepted;
    default:
      return Rec::kAccepted;  // resultType, resultDescription, and anything new: not needed
  }
}

void Ingestor::Impl::SetVault(std::string_view rid, AccessEvent* e) {
  // Hash the length and the last 16 bytes (the vault name), two words at a time: cheap, and
  // enough to spread vaults.
  uint64_t h = rid.size() * 0x9E3779B97F4A7C15ULL;
  if (rid.size() >= 16) {
    uint64_t a, b;
    std::memcpy(&a, rid.data() + rid.size() - 16, 8);
    std::memcpy(&b, rid.data() + rid.size() - 8, 8);
    h ^= a * 0xC2B2AE3D27D4EB4FULL;
    h = (h ^ (h >> 29)) * 0x165667B19E3779F9ULL;
    h ^= b * 0x27D4EB2F165667C5ULL;
  } else {
    for (char c : rid) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
  }
  h ^= h >> 33;  // murmur3 finaliser
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  // Two candidate slots (a tenant's few hundred vaults would often collide in one); a miss
  // replaces the one used least recently.
  VaultCacheEntry* c = &vault_cache_[h % kVaultCacheSize];
  if (c->resource_id != rid) {
    VaultCacheEntry* other = &vault_cache_[(h >> 32) % kVaultCacheSize];
    if (other->resource_id == rid) {
      c = other;
    } else if (other->last_use < c->last_use) {
      c = other;
      c->resource_id.clear();
    }
  }
  c->last_use = ++vault_clock_;
  if (c->resource_id != rid) {
    ParseResourceId(rid, e);
    c->resource_id.assign(rid);
    c->vault_id = e->vault_id();
    c->vault_name = e->vault_name();
    c->subscription_id = e->subscription_id();
    c->resource_group = e->resource_group();
    c->kind = e->vault_kind();
    return;
  }
  e->mutable_vault_id()->assign(c->vault_id);
  e->mutable_vault_name()->assign(c->vault_name);
  e->mutable_subscription_id()->assign(c->subscription_id);
  e->mutable_resource_group()->assign(c->resource_group);
  e->set_vault_kind(c->kind);
}

Rec Ingestor::Impl::ReadProperties(od::value v, AccessEvent* e) {
  od::json_type t;
  if (auto err = v.type().get(t)) return Broken(err, "'properties'");
  if (t == od::json_type::null) return Rec::kAccepted;
  if (t != od::json_type::object) return Wrong("properties", "an object", t);
  od::object obj;
  if (auto err = v.get_object().get(obj)) return Broken(err, "'properties'");
  for (auto field_result : obj) {
    od::field field;
    if (auto err = std::move(field_result).get(field)) return Broken(err, "'properties'");
    std::string_view key;
    if (auto err = FastKey(field, &key)) return Broken(err, "'properties'");
    od::value fv = field.value();
    std::string_view s;
    int64_t n = 0;
    bool b = false;
    Got got = Got::kNull;
    switch (key.size()) {
      case 2:
        if (KeyIs(key, "id")) {
          VW_GOT_OR_RETURN(String(fv, "properties.id", &s));
          if (got == Got::kValue) props_id_ = s;
        }
        break;
      case 10:
        if (KeyIs(key, "clientInfo")) {
          VW_GOT_OR_RETURN(String(fv, "properties.clientInfo", &s));
          if (got == Got::kValue) e->mutable_client_info()->assign(s);
        } else if (KeyIs(key, "requestUri")) {
          VW_GOT_OR_RETURN(String(fv, "properties.requestUri", &s));
          if (got == Got::kValue) {
            e->mutable_request_uri()->assign(s);
            request_uri_ = s;
          }
        }
        break;
      case 14:
        if (KeyIs(key, "httpStatusCode")) {
          VW_GOT_OR_RETURN(Integer(fv, "properties.httpStatusCode", &n));
          if (got == Got::kValue) {
            if (n < 0 || n > 999) {
              reason_ = "'properties.httpStatusCode' is out of range: " + std::to_string(n);
              return Rec::kDead;
            }
            http_status_ = n;
            e->set_http_status(static_cast<int32_t>(n));
          }
        }
        break;
      case 16:
        if (KeyIs(key, "isRbacAuthorized")) {
          VW_GOT_OR_RETURN(Boolean(fv, "properties.isRbacAuthorized", &b));
          if (got == Got::kValue)
            e->set_is_rbac_authorized(b ? vw::v1::TRI_STATE_TRUE : vw::v1::TRI_STATE_FALSE);
        }
        break;
      case 17:
        if (KeyIs(key, "addedAccessPolicy")) {
          Rec r = ReadPolicy(fv, true, e);
          if (r != Rec::kAccepted) return r;
        }
        break;
      case 19:
        if (KeyIs(key, "isAccessPolicyMatch")) {
          VW_GOT_OR_RETURN(Boolean(fv, "properties.isAccessPolicyMatch", &b));
          if (got == Got::kValue) {
            e->set_is_access_policy_match(b ? vw::v1::TRI_STATE_TRUE : vw::v1::TRI_STATE_FALSE);
          }
        } else if (KeyIs(key, "removedAccessPolicy")) {
          Rec r = ReadPolicy(fv, false, e);
          if (r != Rec::kAccepted) return r;
        }
        break;
      default:
        break;
    }
  }
  return Rec::kAccepted;
}

Rec Ingestor::Impl::ReadIdentity(od::value v, AccessEvent* e) {
  od::json_type t;
  if (auto err = v.type().get(t)) return Broken(err, "'identity'");
  if (t == od::json_type::null) return Rec::kAccepted;
  od::object obj;
  if (t == od::json_type::string) {
    // Managed HSM writes the identity object as a JSON-encoded string.
    std::string_view s;
    if (auto err = v.get_string().get(s)) return Broken(err, "'identity'");
    if (Trim(s).empty()) return Rec::kAccepted;
    claim_buffer_.assign(s);
    claim_buffer_.resize(s.size() + simdjson::SIMDJSON_PADDING, ' ');
    od::document doc;
    od::object root;
    if (claim_parser_.iterate(claim_buffer_.data(), s.size(), claim_buffer_.size()).get(doc) ||
        doc.get_object().get(root)) {
      reason_ = "'identity' is a string but not a JSON object";
      return Rec::kDead;
    }
    for (auto field_result : root) {
      od::field field;
      std::string_view key;
      if (std::move(field_result).get(field) || FastKey(field, &key)) {
        reason_ = "'identity' is a string holding malformed JSON";
        return Rec::kDead;
      }
      if (!KeyIs(key, "claim")) continue;
      od::value cv = field.value();
      od::object claims;
      if (cv.get_object().get(claims)) {
        reason_ = "'identity.claim' is not an object";
        return Rec::kDead;
      }
      Rec r = ReadClaims(claims, 0, e);
      if (r == Rec::kBroken) {
        reason_ = "'identity' is a string holding malformed JSON";
        return Rec::kDead;
      }
      if (r != Rec::kAccepted) return r;
    }
    const char* trailing = nullptr;
    if (!doc.current_location().get(trailing)) {
      reason_ = "'identity' is a string holding malformed JSON";
      return Rec::kDead;
    }
    return Rec::kAccepted;
  }
  if (t != od::json_type::object) return Wrong("identity", "an object or a JSON string", t);
  if (auto err = v.get_object().get(obj)) return Broken(err, "'identity'");
  for (auto field_result : obj) {
    od::field field;
    if (auto err = std::move(field_result).get(field)) return Broken(err, "'identity'");
    std::string_view key;
    if (auto err = FastKey(field, &key)) return Broken(err, "'identity'");
    if (!KeyIs(key, "claim")) continue;
    od::value cv = field.value();
    od::json_type ct;
    if (auto err = cv.type().get(ct)) return Broken(err, "'identity.claim'");
    if (ct == od::json_type::null) continue;
    if (ct != od::json_type::object) return Wrong("identity.claim", "an object", ct);
    od::object claims;
    if (auto err = cv.get_object().get(claims)) return Broken(err, "'identity.claim'");
    Rec r = ReadClaims(claims, 0, e);
    if (r != Rec::kAccepted) return r;
  }
  return Rec::kAccepted;
}

// Claims come as short JWT names (oid, upn, appid, ...), as URIs whose last segment is the name
// (http://schemas.microsoft.com/identity/claims/objectidentifier), or, in Managed HSM records, as
// nested objects {"http_schemas_microsoft_com_identity":{"claims":{"objectidentifier":...}}}.
Rec Ingestor::Impl::ReadClaims(od::object claims, int depth, AccessEvent* e) {
  vw::v1::Caller* c = e->mutable_caller();
  for (auto field_result : claims) {
    od::field field;
    if (auto err = std::move(field_result).get(field)) return Broken(err, "'identity.claim'");
    std::string_view key;
    if (auto err = FastKey(field, &key)) return Broken(err, "'identity.claim'");
    od::value v = field.value();
    od::json_type t;
    if (auto err = v.type().get(t)) return Broken(err, "'identity.claim'");
    if (t == od::json_type::object) {
      if (depth >= 2) continue;
      od::object nested;
      if (auto err = v.get_object().get(nested)) return Broken(err, "'identity.claim'");
      Rec r = ReadClaims(nested, depth + 1, e);
      if (r != Rec::kAccepted) return r;
      continue;
    }
    if (t != od::json_type::string) continue;  // arrays (xms_az_nwperimid), numbers: not used
    size_t slash = key.rfind('/');
    std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
    std::string_view s;
    switch (name.size()) {
      case 3:
        if (KeyIs(name, "oid")) {
          if (auto err = GetString(v, &s)) return Broken(err, "'identity.claim'");
          c->clear_object_id();
          AppendLower(s, c->mutable_object_id());
        } else if (KeyIs(name, "upn")) {
          if (auto err = GetString(v, &s)) return Broken(err, "'identity.claim'");
          upn_ = s;
        } else if (KeyIs(name, "tid")) {
          if (auto err = GetString(v, &s)) return Broken(err, "'identity.claim'");
          c->clear_tenant_id();
          AppendLower(s, c->mutable_tenant_id());
        }
        break;
      case 4:
        if (KeyIs(name, "name")) {
          if (auto err = GetString(v, &s)) return Broken(err, "'identity.claim'");
          name_claim_ = s;
        }
        break;
      case 5:
        if (KeyIs(name, "appid")) {
          if (auto err = GetString(v, &s)) return Broken(err, "'identity.claim'");
          c->clear_app_id();
          AppendLower(s, c->mutable_app_id());
        } else if (KeyIs(name, "idtyp")) {
          if (auto err = GetString(v, &s)) return Broken(err, "'identity.claim'");
          idtyp_ = s;
        }
        break;
      case 6:
        if (KeyIs(name, "ipaddr")) {
          if (auto err = GetString(v, &s)) return Broken(err, "'identity.claim'");
          ipaddr_claim_ = s;
        }
        break;
      case 8:
        if (KeyIs(name, "tenantId")) {
          if (auto err = GetString(v, &s)) return Broken(err, "'identity.claim'");
          c->clear_tenant_id();
          AppendLower(s, c->mutable_tenant_id());
        }
        break;
      case 11:
        if (KeyIs(name, "unique_name")) {
          if (auto err = GetString(v, &s)) return Broken(err, "'identity.claim'");
          unique_name_ = s;
        }
        break;
      case 16:
        if (KeyIs(name, "objectidentifier")) {
          if (auto err = GetString(v, &s)) return Broken(err, "'identity.claim'");
          c->clear_object_id();
          AppendLower(s, c->mutable_object_id());
        }
        break;
      default:
        break;
    }
  }
  return Rec::kAccepted;
}

// properties.addedAccessPolicy / removedAccessPolicy on VaultPut/VaultPatch:
// {"ObjectId":..., "TenantId":..., "Permissions":{"keys":[...],"secrets":[...],...}}, or an array
// of those.
Rec Ingestor::Impl::ReadPolicy(od::value v, bool added, AccessEvent* e) {
  const char* field = added ? "properties.addedAccessPolicy" : "properties.removedAccessPolicy";
  od::json_type t;
  if (auto err = v.type().get(t)) return Broken(err, field);
  if (t == od::json_type::null) return Rec::kAccepted;
  if (t == od::json_type::object) {
    od::object obj;
    if (auto err = v.get_object().get(obj)) return Broken(err, field);
    return ReadOnePolicy(obj, added, e);
  }
  if (t != od::json_type::array) return Wrong(field, "an object or an array", t);
  od::array arr;
  if (auto err = v.get_array().get(arr)) return Broken(err, field);
  for (auto item : arr) {
    od::value iv;
    if (auto err = item.get(iv)) return Broken(err, field);
    od::object obj;
    if (iv.get_object().get(obj)) return Wrong(field, "an array of objects", od::json_type::array);
    Rec r = ReadOnePolicy(obj, added, e);
    if (r != Rec::kAccepted) return r;
  }
  return Rec::kAccepted;
}

Rec Ingestor::Impl::ReadOnePolicy(od::object obj, bool added, AccessEvent* e) {
  std::string object_id;
  std::string perms;
  for (auto field_result : obj) {
    od::field field;
    if (auto err = std::move(field_result).get(field)) return Broken(err, "access policy");
    std::string_view key;
    if (auto err = FastKey(field, &key)) return Broken(err, "access policy");
    od::value v = field.value();
    if (KeyIs(key, "objectId")) {
      std::string_view s;
      Got got = String(v, "access policy ObjectId", &s);
      if (got == Got::kBroken) return Rec::kBroken;
      if (got == Got::kWrongType) return Rec::kDead;
      if (got == Got::kValue) AppendLower(s, &object_id);
    } else if (KeyIs(key, "permissions")) {
      od::object p;
      if (v.get_object().get(p)) continue;  // null or odd: the object id is what matters most
      for (auto pr : p) {
        od::field pf;
        std::string_view kind;
        if (std::move(pr).get(pf) || FastKey(pf, &kind))
          return Broken(simdjson::TAPE_ERROR, "access policy");
        std::string list;
        od::value pv = pf.value();
        od::json_type pt;
        if (pv.type().get(pt)) return Broken(simdjson::TAPE_ERROR, "access policy");
        if (pt == od::json_type::array) {
          od::array arr;
          if (pv.get_array().get(arr)) return Broken(simdjson::TAPE_ERROR, "access policy");
          for (auto item : arr) {
            std::string_view s;
            if (item.get_string().get(s)) continue;
            if (!list.empty()) list += ',';
            AppendLower(s, &list);
          }
        } else if (pt == od::json_type::string) {
          std::string_view s;
          if (pv.get_string().get(s)) return Broken(simdjson::TAPE_ERROR, "access policy");
          AppendLower(s, &list);
        } else {
          continue;
        }
        if (list.empty()) continue;
        if (!perms.empty()) perms += ';';
        AppendLower(kind, &perms);
        perms += '=';
        perms += list;
      }
    }
  }
  vw::v1::AccessPolicyChange* change = e->mutable_policy_change();
  if (added) {
    change->add_added_object_ids(object_id);
    change->add_added_permissions(object_id + ":" + perms);
  } else {
    change->add_removed_object_ids(object_id);
    change->add_removed_permissions(object_id + ":" + perms);
  }
  return Rec::kAccepted;
}

#undef VW_GOT_OR_RETURN

// ---------------------------------------------------------------------------------------------
// Ingestor

Ingestor::Ingestor(IngestOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Ingestor::~Ingestor() = default;

void Ingestor::Ingest(std::string_view bytes, const SourcePosition& base, RecordSink& sink) {
  if (LooksLikeNdjson(bytes)) {
    impl_->IngestLinesInPlace(bytes, base, 1, sink);
    return;
  }
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: documents are read from a padded
  // copy.
  std::string& buf = impl_->pad_buffer_;
  buf.assign(bytes);
  buf.resize(bytes.size() + simdjson::SIMDJSON_PADDING, ' ');
  impl_->IngestDocuments(buf.data(), bytes.size(), base, sink);
}

int64_t Ingestor::IngestLines(std::string_view bytes, const SourcePosition& base,
                              int64_t first_line, RecordSink& sink) {
  return impl_->IngestLinesInPlace(bytes, base, first_line, sink);
}

void Ingestor::DeadLetterRaw(std::string_view raw, std::string reason, const SourcePosition& pos,
                             RecordSink& sink) {
  impl_->DeadLetterRaw(raw, std::move(reason), pos, sink);
}

const IngestCounters& Ingestor::counters() const { return impl_->counters_; }
const IngestOptions& Ingestor::options() const { return impl_->options_; }

// ---------------------------------------------------------------------------------------------
// IngestFile

namespace {

constexpr size_t kChunkBytes = 4 << 20;

// The bytes of the input read so far and not yet consumed, grown a chunk at a time. A regular
// file is mapped (no copy into a buffer: the read() copy and the buffer's page faults were a
// tenth of `detect`'s CPU) and the pages behind the reader are released, so resident memory
// stays a few chunks whatever the file's size; anything else (stdin, a pipe) is read into a
// buffer.
class InputWindow {
 public:
  ~InputWindow() {
    if (map_ != nullptr) munmap(map_, map_size_);
    if (owned_ != nullptr) std::fclose(owned_);
  }

  vw::Status Open(const std::string& path) {
    if (path == "-") {
      file_ = stdin;
      return vw::Status::OK();
    }
    owned_ = file_ = std::fopen(path.c_str(), "rb");
    if (file_ == nullptr)
      return vw::Status::IOError("cannot open '" + path + "': " + std::strerror(errno));
    struct stat st;
    if (fstat(fileno(file_), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      void* m =
          mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fileno(file_), 0);
      if (m != MAP_FAILED) {
        map_ = static_cast<char*>(m);
        map_size_ = static_cast<size_t>(st.st_size);
        madvise(map_, map_size_, MADV_SEQUENTIAL);
      }
    }
    return vw::Status::OK();
  }

  std::string_view data() const {
    return std::string_view((map_ != nullptr ? map_ : buf_.get()) + begin_, end_ - begin_);
  }
  bool eof() const { return eof_; }

  // Makes up to kChunkBytes more of the input available.
  vw::Status More(const std::string& path) {
    if (map_ != nullptr) {
      size_t from = end_;
      end_ = std::min(map_size_, end_ + kChunkBytes);
      eof_ = end_ == map_size_;
#ifdef MADV_POPULATE_READ
      // Map the chunk's pages in one call rather than a page fault per few pages. Best effort:
      // older kernels refuse it and the pages fault in as they are read.
      size_t page_from = from / 4096 * 4096;
      (void)madvise(map_ + page_from, end_ - page_from, MADV_POPULATE_READ);
#endif
      return vw::Status::OK();
    }
    // Keep the unconsumed tail (at most a partial line) at the front, then read a chunk after
    // it into uninitialised capacity (a zero-filled std::string cost a memset per chunk).
    const size_t live = end_ - begin_;
    if (begin_ > 0) std::memmove(buf_.get(), buf_.get() + begin_, live);
    begin_ = 0;
    end_ = live;
    if (cap_ < live + kChunkBytes) {
      size_t cap = std::max(2 * cap_, live + kChunkBytes);
      std::unique_ptr<char[]> grown(new char[cap]);
      std::memcpy(grown.get(), buf_.get(), live);
      buf_ = std::move(grown);
      cap_ = cap;
    }
    size_t got = 0;
    while (got < kChunkBytes) {
      size_t n = std::fread(buf_.get() + end_, 1, kChunkBytes - got, file_);
      got += n;
      end_ += n;
      if (n == 0) {
        if (std::ferror(file_)) return vw::Status::IOError("cannot read '" + path + "'");
        eof_ = true;
        return vw::Status::OK();
      }
    }
    return vw::Status::OK();
  }

  void Consume(size_t n) {
    begin_ += n;
    if (map_ == nullptr) return;
    // Pages wholly behind the reader are not read again.
    const size_t page = 4096;
    size_t drop = begin_ / page * page;
    if (drop >= released_ + kChunkBytes) {
      madvise(map_ + released_, drop - released_, MADV_DONTNEED);
      released_ = drop;
    }
  }

 private:
  std::FILE* file_ = nullptr;
  std::FILE* owned_ = nullptr;
  char* map_ = nullptr;
  size_t map_size_ = 0, released_ = 0;
  std::unique_ptr<char[]> buf_;  // the read path's buffer, cap_ bytes
  size_t cap_ = 0;
  size_t begin_ = 0, end_ = 0;  // unconsumed bytes: [begin_, end_) of the map or buf_
  bool eof_ = false;
};

}  // namespace

vw::Status IngestFile(const std::string& path, Ingestor& ingestor, RecordSink& sink) {
  InputWindow in;
  VW_RETURN_IF_ERROR(in.Open(path));
  SourcePosition base;
  base.set_source(path == "-" ? "<stdin>" : path);
  base.set_partition(-1);
  VW_RETURN_IF_ERROR(in.More(path));
  // A first line that is a complete JSON value means NDJSON: stream it line by line. Anything
  // else (a pretty-printed document, an envelope spread over lines) is read whole.
  bool first_line_whole = in.eof() || in.data().find('\n') != std::string_view::npos;
  if (!first_line_whole || !LooksLikeNdjson(in.data())) {
    while (!in.eof()) VW_RETURN_IF_ERROR(in.More(path));
    ingestor.Ingest(in.data(), base, sink);
    return vw::Status::OK();
  }
  // A line longer than this is not buffered further: it is dead-lettered and skipped.
  const size_t max_line = std::max<size_t>(64 << 20, 4 * ingestor.options().max_record_bytes);
  int64_t line_no = 1;
  int64_t file_offset = 0;  // of in.data()[0]
  bool skipping = false;    // inside an over-long line, discarding up to its newline
  while (true) {
    std::string_view buf = in.data();
    size_t last_nl = buf.rfind('\n');
    if (skipping) {
      size_t nl = buf.find('\n');
      if (nl == std::string_view::npos) {
        file_offset += static_cast<int64_t>(buf.size());
        in.Consume(buf.size());
      } else {
        file_offset += static_cast<int64_t>(nl + 1);
        in.Consume(nl + 1);
        ++line_no;
        skipping = false;
        continue;
      }
    } else if (last_nl != std::string_view::npos || (in.eof() && !buf.empty())) {
      size_t n = last_nl != std::string_view::npos && !in.eof() ? last_nl + 1 : buf.size();
      base.set_offset(file_offset);
      line_no = ingestor.IngestLines(buf.substr(0, n), base, line_no, sink);
      file_offset += static_cast<int64_t>(n);
      in.Consume(n);
    } else if (buf.size() > max_line) {
      SourcePosition pos = base;
      pos.set_offset(file_offset);
      ingestor.DeadLetterRaw(buf,
                             "line " + std::to_string(line_no) + ": longer than " +
                                 std::to_string(max_line) + " bytes, exceeds max_record_bytes",
                             pos, sink);
      file_offset += static_cast<int64_t>(buf.size());
      in.Consume(buf.size());
      skipping = true;
    }
    if (in.eof() && in.data().empty()) break;
    if (in.eof() && skipping) break;
    if (!in.eof()) VW_RETURN_IF_ERROR(in.More(path));
  }
  return vw::Status::OK();
}

}  // namespace vw::ingest
