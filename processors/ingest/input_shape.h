// Input shapes: which shape a unit of input has (NDJSON lines, or one or more documents), how
// lines and documents are handed to the readers (fast_path.cc, record_reader.cc), oversize
// records, trailing content, and the recovery of NDJSON whose first line is broken. Also the
// Ingestor API, which dispatches here. Internal to vw_ingest.
#pragma once

#include <cstddef>
#include <string_view>

namespace vw::ingest {

// The length of the JSON object/array starting at s[0], found by bracket matching outside strings
// (only used on error paths and for oversize checks); s.size() if unterminated.
size_t ValueExtent(std::string_view s);

// True if `s` (trimmed) is an array or starts like {"records": ...: a container whose members are
// checked against max_record_bytes one by one rather than as a whole.
bool LooksLikeContainer(std::string_view s);

// True if a line of `s` after its first one is, on its own, a whole JSON object or array that
// starts the line ({...} or [...], trailing blanks aside). Pretty-printed documents indent their
// inner lines and end them with ',' or an opening bracket; NDJSON lines look like this. Used to
// tell a broken first NDJSON line from a document spread over lines.
bool HasWholeLineAfterTheFirst(std::string_view s);

}  // namespace vw::ingest
