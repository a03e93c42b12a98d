// The NDJSON fast path (see the comment before StreamLines).
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "base/time_format.h"
#include "processors/ingest/ingestor_impl.h"

namespace vw::ingest {

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
      while (b < wend && IsAsciiBlank(data[b])) {
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
        while (q < wend && data[q] != '\n' && IsAsciiBlank(data[q])) ++q;
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
        while (e > b && IsAsciiBlank(data[e - 1])) --e;
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
  while (q > p + 1 && IsAsciiBlank(q[-1])) --q;
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
          rec_.has_time = true;
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
          rec_.category = s;
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
            rec_.has_resource = true;
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
          rec_.request_uri = s;
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
            rec_.has_operation = true;
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
  if (!rec_.category.empty() && !EqualsIgnoreCase(rec_.category, options_.accept_category)) {
    ++staged_skipped_;
    ++message_index_;
    return true;
  }
  if (!rec_.has_time || !rec_.has_resource || !rec_.has_operation)
    return false;  // a dead letter: see there
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
    rec_.http_status = n;
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
          rec_.props_id = s;
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
          rec_.request_uri = s;
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
    // Only the claims used are read (and checked for escapes), as ReadClaims does.
    const Claim which = ClaimOf(key);
    if (which == Claim::kUnused) return SkipValue();
    std::string_view s;
    if (!FastString(&s)) return false;
    SetClaim(which, s, c, &rec_.claims);
    return true;
  });
}

}  // namespace vw::ingest
