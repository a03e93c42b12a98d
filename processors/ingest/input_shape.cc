// Input shapes and the Ingestor API (see input_shape.h).
#include "processors/ingest/input_shape.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "processors/ingest/ingestor_impl.h"

namespace vw::ingest {

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

bool LooksLikeContainer(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return false;
  if (s.front() == '[') return true;
  if (s.front() != '{') return false;
  s.remove_prefix(1);
  s = Trim(s);
  return s.size() >= 9 && EqualsIgnoreCase(s.substr(0, 9), "\"records\"");
}

bool LooksLikeNdjson(std::string_view bytes) {
  size_t start = 0;
  while (start < bytes.size() && IsAsciiBlank(bytes[start])) ++start;
  if (bytes.substr(start, 3) == "\xEF\xBB\xBF") start += 3;
  size_t nl = bytes.find('\n', start);
  std::string_view first =
      Trim(bytes.substr(start, nl == std::string_view::npos ? bytes.npos : nl - start));
  if (first.size() < 2) return false;
  return (first.front() == '{' && first.back() == '}') ||
         (first.front() == '[' && first.back() == ']');
}

bool HasWholeLineAfterTheFirst(std::string_view s) {
  size_t nl = s.find('\n');
  while (nl != std::string_view::npos) {
    size_t begin = nl + 1;
    nl = s.find('\n', begin);
    std::string_view line = s.substr(begin, nl == std::string_view::npos ? s.npos : nl - begin);
    while (!line.empty() && IsAsciiBlank(line.back())) line.remove_suffix(1);
    if (line.size() >= 2 && ((line.front() == '{' && line.back() == '}') ||
                             (line.front() == '[' && line.back() == ']')))
      return true;
  }
  return false;
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
  while (!line.empty() && IsAsciiBlank(line.back())) line.remove_suffix(1);
  size_t lead = 0;
  while (lead < line.size() && IsAsciiBlank(line[lead])) ++lead;
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
  while (start < len && IsAsciiBlank(data[start])) ++start;
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
  while (from < len && IsAsciiBlank(data[from])) ++from;
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

}  // namespace vw::ingest
