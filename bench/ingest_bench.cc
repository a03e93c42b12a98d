// Ingest benchmark: generates a realistic NDJSON file of ~1 KB Key Vault AuditEvent records (many
// vaults and callers, a realistic operation mix, both identity-claim shapes, some denials and
// IPv6 callers), then measures parse + normalise into AccessEvent in records per CPU-second, best
// of --runs, and runs parse_limit (the parse-only ceiling) on the same file, one run of it after
// each run of ingest (both see the same load on a shared machine), for the ratio of the bests.
//
//   ingest_bench [--records 1000000] [--runs 5] [--input FILE] [--keep FILE] [--shape
//   ndjson|envelope]
//                [--chunk 1048576]
#include <simdjson.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/parse_limit_run.h"
#include "processors/ingest/ingest.h"

namespace {

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string Hex(std::mt19937_64& rng, int n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(kHex[rng() % 16]);
  return s;
}

std::string Guid(std::mt19937_64& rng) {
  return Hex(rng, 8) + "-" + Hex(rng, 4) + "-" + Hex(rng, 4) + "-" + Hex(rng, 4) + "-" +
         Hex(rng, 12);
}

struct Caller {
  std::string oid, appid, upn, ip;
  bool user;
  bool uri_claims;
};

// One record per call, shaped like the real samples in ../shared/data/real.
class RecordMaker {
 public:
  explicit RecordMaker(uint64_t seed) : rng_(seed) {
    for (int i = 0; i < 200; ++i) {
      vaults_.push_back("/SUBSCRIPTIONS/" + Guid(rng_) + "/RESOURCEGROUPS/RG-" +
                        std::to_string(i % 17) + "/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PROD-" +
                        std::to_string(i));
    }
    for (int i = 0; i < 2000; ++i) {
      Caller c;
      c.user = i % 3 == 0;
      c.uri_claims = i % 2 == 0;
      c.oid = Guid(rng_);
      c.appid = Guid(rng_);
      c.upn = c.user ? "user" + std::to_string(i) + "@contoso.onmicrosoft.com" : "";
      c.ip = i % 10 == 0 ? "2001:db8:" + std::to_string(i % 97) + "::" + std::to_string(i % 13 + 1)
                         : std::to_string(20 + i % 200) + "." + std::to_string(i % 251) + "." +
                               std::to_string(i * 7 % 251) + "." + std::to_string(i * 13 % 251 + 1);
      callers_.push_back(c);
    }
  }

  std::string Next(int64_t i) {
    static const char* kOps[] = {"SecretGet",  "SecretGet",      "SecretGet",  "SecretGet",
                                 "SecretList", "KeyGet",         "KeySign",    "KeyUnwrap",
                                 "VaultGet",   "Authentication", "SecretSet",  "CertificateGet",
                                 "KeyList",    "SecretGet",      "KeyDecrypt", "CertificateList"};
    const std::string& vault = vaults_[rng_() % vaults_.size()];
    const Caller& c = callers_[rng_() % callers_.size()];
    std::string op = kOps[rng_() % (sizeof(kOps) / sizeof(kOps[0]))];
    int status = 200;
    uint64_t r = rng_() % 100;
    if (op == "Authentication") {
      status = 401;
    } else if (r < 3) {
      status = 403;
    } else if (r < 5) {
      status = 404;
    } else if (r < 6) {
      status = 429;
    }
    const char* sig = status == 200   ? "OK"
                      : status == 401 ? "Unauthorized"
                      : status == 403 ? "Forbidden"
                      : status == 404 ? "Not Found"
                                      : "Too Many Requests";
    std::string vault_name = vault.substr(vault.rfind('/') + 1);
    for (char& ch : vault_name)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string host = "https://" + vault_name + ".vault.azure.net";
    std::string object = op.rfind("Secret", 0) == 0 ? "secrets"
                         : op.rfind("Key", 0) == 0  ? "keys"
                                                    : "certificates";
    std::string name = "app-" + std::to_string(rng_() % 50) + "-credential";
    std::string version = Hex(rng_, 32);
    bool list = op.find("List") != std::string::npos;
    std::string id = op == "VaultGet" || op == "Authentication" ? host + "/"
                     : list                                     ? ""
                            : host + "/" + object + "/" + name + "/" + version;
    std::string uri = host +
                      (op == "VaultGet" || op == "Authentication"
                           ? "/"
                           : "/" + object + (list ? "" : "/" + name + "/" + version)) +
                      "?api-version=7.4";
    int64_t sec = 1768435200 + i / 20;
    char when[64];
    time_t t = static_cast<time_t>(sec);
    tm tmv;
    gmtime_r(&t, &tmv);
    std::snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%07dZ", tmv.tm_year + 1900,
                  tmv.tm_mon + 1, tmv.tm_mday, tmv.tm_hour, tmv.tm_min, tmv.tm_sec,
                  static_cast<int>(rng_() % 10000000));
    std::string claims;
    if (c.uri_claims) {
      claims =
          R"("http://schemas.microsoft.com/identity/claims/objectidentifier":")" + c.oid + "\"";
      if (c.user) {
        claims +=
            R"(,"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":")" + c.upn + "\"";
      }
      claims += R"(,"appid":")" + c.appid + "\"";
    } else {
      claims = R"("oid":")" + c.oid + R"(","appid":")" + c.appid + R"(","appidacr":")" +
               (c.user ? "0" : "2") + R"(","xms_az_nwperimid":[],"ipaddr":")" + c.ip + "\"";
      if (c.user)
        claims += R"(,"upn":")" + c.upn + R"(","unique_name":")" + c.upn +
                  R"(","scp":"user_impersonation","amr":"pwd")";
      claims +=
          R"(,"tid":"72f988bf-86f1-41af-91ab-2d7cd011db47","iss":"https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/")";
    }
    std::string rec =
        R"({"time":")" + std::string(when) + R"(","category":"AuditEvent","operationName":")" + op +
        R"(","resultType":"Success","correlationId":")" + Guid(rng_) + R"(","callerIpAddress":")" +
        c.ip + R"(","identity":{"claim":{)" + claims + R"(}},"properties":{)" +
        (id.empty() ? "" : R"("id":")" + id + "\",") + R"("clientInfo":")" +
        (c.user ? "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/124.0 Safari/537.36 Edg/124.0"
                : "azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.4; Microsoft Windows "
                  "10.0.20348)") +
        R"(","httpStatusCode":)" + std::to_string(status) + R"(,"requestUri":")" + uri + R"(",)" +
        (rng_() % 2 ? R"("isAccessPolicyMatch":true)" : R"("isRbacAuthorized":true)") +
        R"(,"tlsVersion":"TLS1_2"},"resourceId":")" + vault +
        R"(","operationVersion":"7.4","resultSignature":")" + sig + R"(","durationMs":")" +
        std::to_string(rng_() % 200 + 1) + "\"}";
    return rec;
  }

 private:
  std::mt19937_64 rng_;
  std::vector<std::string> vaults_;
  std::vector<Caller> callers_;
};

class CountingSink : public vw::ingest::RecordSink {
 public:
  // Reads a few normalised fields so the work cannot be optimised away; leaves the event in
  // place (as a pipeline sink that serialises it would), so its storage is reused.
  void OnEvent(vw::v1::AccessEvent&& e) override {
    ++events;
    checksum += static_cast<uint64_t>(e.time_us()) ^ e.caller().object_id().size() ^
                static_cast<uint64_t>(e.outcome()) ^ e.vault_id().size();
  }
  void OnDeadLetter(vw::ingest::DeadLetter&&) override { ++dead; }
  uint64_t events = 0, dead = 0, checksum = 0;
};

double ParseLimitRate(const std::string& path) {
#ifdef VW_PARSE_LIMIT_PATH
  return vw::bench::RunParseLimit(VW_PARSE_LIMIT_PATH, path);
#else
  (void)path;
  return 0;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  int64_t records = 1000000;
  int runs = 5;
  size_t chunk = 1 << 20;
  std::string input, keep, shape = "ndjson";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--records")
      records = std::atoll(argv[i + 1]);
    else if (flag == "--runs")
      runs = std::atoi(argv[i + 1]);
    else if (flag == "--input")
      input = argv[i + 1];
    else if (flag == "--keep")
      keep = argv[i + 1];
    else if (flag == "--shape")
      shape = argv[i + 1];
    else if (flag == "--chunk")
      chunk = static_cast<size_t>(std::atoll(argv[i + 1]));
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  std::string path = input;
  if (path.empty()) {
    path = keep.empty() ? "/tmp/vw_ingest_bench_" + std::to_string(getpid()) + ".ndjson" : keep;
    std::ofstream out(path, std::ios::binary);
    RecordMaker maker(42);
    if (shape == "envelope") {
      // Event Hubs style: {"records":[...]} of 50 records per line.
      for (int64_t i = 0; i < records; i += 50) {
        out << "{\"records\":[";
        for (int64_t j = i; j < std::min(records, i + 50); ++j)
          out << (j > i ? "," : "") << maker.Next(j);
        out << "]}\n";
      }
    } else {
      for (int64_t i = 0; i < records; ++i) out << maker.Next(i) << '\n';
    }
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  vw::v1::SourcePosition base;
  base.set_source(path);
  base.set_partition(-1);

  // Fed as IngestFile and the Kafka source do: line-aligned chunks of about --chunk bytes, cut
  // before timing.
  struct Chunk {
    size_t offset, size;
    int64_t first_line;
  };
  std::vector<Chunk> chunks;
  for (size_t pos = 0, line = 1; pos < data.size();) {
    size_t end = std::min(data.size(), pos + chunk);
    size_t nl = data.rfind('\n', end - 1);
    if (end < data.size() && nl != std::string::npos && nl >= pos) end = nl + 1;
    chunks.push_back({pos, end - pos, static_cast<int64_t>(line)});
    line += static_cast<size_t>(std::count(data.data() + pos, data.data() + end, '\n'));
    pos = end;
  }

  // Runs of ingest and of parse_limit alternate, so that both see the same machine (it is shared:
  // load that comes and goes would otherwise favour whichever ran in the quieter minute).
  double best = 0, limit = 0;
  uint64_t events = 0, dead = 0;
  for (int r = 0; r < runs; ++r) {
    vw::ingest::Ingestor ingestor;
    CountingSink sink;
    double c0 = CpuSeconds();
    for (const Chunk& c : chunks) {
      base.set_offset(static_cast<int64_t>(c.offset));
      ingestor.IngestLines(std::string_view(data).substr(c.offset, c.size), base, c.first_line,
                           sink);
    }
    double cpu = CpuSeconds() - c0;
    events = sink.events;
    dead = sink.dead;
    double rate = static_cast<double>(ingestor.counters().records_in) / cpu;
    best = std::max(best, rate);
    std::printf("run %d: records=%" PRIu64 " accepted=%" PRIu64 " deadlettered=%" PRIu64
                " fast_path=%" PRIu64 " cpu_s=%.3f records_per_cpu_s=%.0f checksum=%" PRIx64 "\n",
                r, ingestor.counters().records_in, events, dead, ingestor.counters().fast_path, cpu,
                rate, sink.checksum);
    if (shape == "ndjson") {
      double l = ParseLimitRate(path);
      limit = std::max(limit, l);
      if (l > 0) std::printf("run %d: parse_limit records_per_cpu_s=%.0f\n", r, l);
    }
  }
  std::printf("file=%s bytes=%zu avg_record_bytes=%.0f simdjson_impl=%s\n", path.c_str(),
              data.size(),
              events ? static_cast<double>(data.size()) / static_cast<double>(events + dead) : 0.0,
              simdjson::builtin_implementation()->name().c_str());
  std::printf("ingest parse+normalise: best of %d = %.0f records per CPU-second\n", runs, best);
  if (limit > 0) {
    std::printf(
        "parse_limit (same file, same flags, runs alternating): best of %d = %.0f records per "
        "CPU-second\n",
        runs, limit);
    std::printf("ratio ingest / parse_limit = %.2f (goal >= 0.80)\n", best / limit);
  } else {
    std::printf("parse_limit: not run (%s)\n",
                shape == "ndjson" ? "not built: ../shared/tools/parse_limit.cc missing"
                                  : "it reads bare NDJSON only");
  }
  if (input.empty() && keep.empty()) std::remove(path.c_str());
  return dead == 0 ? 0 : 1;
}
