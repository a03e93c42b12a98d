#include "processors/detectors/file_input.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace vw::ingest {

using vw::v1::SourcePosition;

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
