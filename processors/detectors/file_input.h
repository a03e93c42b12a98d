// IngestFile: file input for the embedded drivers (`vaultwatch detect`, `normalize`, `report`,
// forensics' file source): streams a file, or stdin for "-", through an Ingestor. It lives beside
// the embedded driver (RunDetect) because the ingest processor owns no I/O: it takes bytes and
// gives events.
//
// A regular file is mapped and read a chunk at a time (resident memory stays a few chunks,
// whatever the file's size); stdin and pipes are read into a buffer. A first line that is a
// complete JSON value means NDJSON, streamed line by line in bounded memory; any other shape is
// read whole. Not thread-safe beyond the Ingestor's own rules (one call per Ingestor at a time).
#pragma once

#include <string>

#include "base/status.h"
#include "processors/ingest/ingest.h"

namespace vw::ingest {

// Returns an IOError if the file cannot be read; bad records are not errors (they are dead
// letters). A line longer than max(64 MiB, 4 * max_record_bytes) is dead-lettered unread.
vw::Status IngestFile(const std::string& path, Ingestor& ingestor, RecordSink& sink);

}  // namespace vw::ingest
