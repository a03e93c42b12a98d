#include "processors/detectors/threat_intel.h"

#include <sys/stat.h>

#include <cstdio>

#include "base/logging.h"

namespace vw::detect {
namespace {

bool StatFile(const std::string& path, int64_t* mtime_ns, uintmax_t* size) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  *mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  *size = static_cast<uintmax_t>(st.st_size);
  return true;
}

Result<std::string> ReadAll(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::NotFound(path + ": cannot open threat-intel list");
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return text;
}

}  // namespace

Result<IpSet> ThreatIntel::LoadFile(const ListFile& file) {
  IpSetBuilder b;
  const std::string& path = file.path;
  if (path.empty()) return b.Build();
  VW_ASSIGN_OR_RETURN(std::string text, ReadAll(path));
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    VW_RETURN_IF_ERROR(b.AddServiceTagsJson(text, path, file.service_tags));
  } else if (!file.service_tags.empty()) {
    return Status::InvalidArgument(path +
                                   ": service tags are selected but the file is not Azure's "
                                   "service-tags JSON");
  } else if (first != std::string::npos && text.compare(first, 9, "ExitNode ") == 0) {
    VW_RETURN_IF_ERROR(b.AddTorExitAddresses(text, path));
  } else {
    VW_RETURN_IF_ERROR(b.AddText(text, path));
  }
  return b.Build();
}

Result<std::unique_ptr<ThreatIntel>> ThreatIntel::Load(const DetectConfig& config,
                                                       const Clock* clock) {
  std::unique_ptr<ThreatIntel> ti(new ThreatIntel());
  ti->clock_ = clock;
  ti->interval_ = config.reload_interval;
  ti->last_check_us_ = clock->MonotonicMicros();
  std::string tags = config.microsoft_service_tags;
  for (size_t start = 0; start < tags.size();) {
    size_t comma = tags.find(',', start);
    std::string tag =
        tags.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    tag.erase(0, tag.find_first_not_of(" \t"));
    tag.erase(tag.find_last_not_of(" \t") + 1);
    if (!tag.empty()) ti->microsoft_file_.service_tags.push_back(tag);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  struct Slot {
    const char* key;  // named in errors, so that the operator knows which setting to fix
    const std::string* path;
    ListFile* file;
    std::shared_ptr<const IpSet>* set;
  };
  for (Slot s : {Slot{"threat_intel.tor_file", &config.tor_file, &ti->tor_file_, &ti->tor_},
                 Slot{"threat_intel.suspicious_file", &config.suspicious_file,
                      &ti->suspicious_file_, &ti->suspicious_},
                 Slot{"threat_intel.microsoft_file", &config.microsoft_file, &ti->microsoft_file_,
                      &ti->microsoft_}}) {
    s.file->path = *s.path;
    if (!s.path->empty()) StatFile(*s.path, &s.file->mtime_ns, &s.file->size);
    Result<IpSet> set = LoadFile(*s.file);
    if (!set.ok()) return set.status().WithContext(std::string("'") + s.key + "'");
    *s.set = std::make_shared<const IpSet>(std::move(set).value());
  }
  IpSetBuilder internal;
  std::string ranges = config.internal_ranges;
  for (char& c : ranges) {
    if (c == ',') c = '\n';
  }
  VW_RETURN_IF_ERROR(internal.AddText(ranges, "threat_intel.internal_ranges"));
  ti->internal_ = std::make_shared<const IpSet>(internal.Build());
  return ti;
}

std::unique_ptr<ThreatIntel> ThreatIntel::FromSets(IpSet tor, IpSet suspicious, IpSet microsoft,
                                                   IpSet internal) {
  std::unique_ptr<ThreatIntel> ti(new ThreatIntel());
  ti->tor_ = std::make_shared<const IpSet>(std::move(tor));
  ti->suspicious_ = std::make_shared<const IpSet>(std::move(suspicious));
  ti->microsoft_ = std::make_shared<const IpSet>(std::move(microsoft));
  ti->internal_ = std::make_shared<const IpSet>(std::move(internal));
  return ti;
}

bool ThreatIntel::ReloadOne(ListFile* file, std::shared_ptr<const IpSet>* target) {
  if (file->path.empty()) return false;
  int64_t mtime = 0;
  uintmax_t size = 0;
  if (!StatFile(file->path, &mtime, &size)) return false;  // a file mid-replace: next time
  if (mtime == file->mtime_ns && size == file->size) return false;
  Result<IpSet> set = LoadFile(*file);
  file->mtime_ns = mtime;
  file->size = size;
  if (!set.ok()) {
    VW_LOG(Warn, "threat-intel reload failed; keeping the previous list")
        .Field("file", file->path)
        .Field("error", set.status().ToString());
    return false;
  }
  VW_LOG(Info, "threat-intel list reloaded")
      .Field("file", file->path)
      .Field("ranges", static_cast<uint64_t>(set->num_ranges()));
  *target = std::make_shared<const IpSet>(std::move(set).value());
  ++reloads_;
  return true;
}

int ThreatIntel::MaybeReload() {
  if (clock_ == nullptr) return 0;
  int64_t now = clock_->MonotonicMicros();
  bool requested = reload_requested_.exchange(false);
  if (!requested && now - last_check_us_ < interval_.micros()) return 0;
  last_check_us_ = now;
  int n = 0;
  n += ReloadOne(&tor_file_, &tor_) ? 1 : 0;
  n += ReloadOne(&suspicious_file_, &suspicious_) ? 1 : 0;
  n += ReloadOne(&microsoft_file_, &microsoft_) ? 1 : 0;
  return n;
}

}  // namespace vw::detect
