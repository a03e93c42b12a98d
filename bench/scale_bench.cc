// Scale benchmark: `vaultwatch detect` on tenants of growing key count (vaults + callers), to
// show whether the cost per event and the memory depend on the number of keys.
//
// A tenant of N keys is the generator's tenant (the --input file, e.g. `vaultwatch generate
// --tenant small`) cloned K times, K = N / (the input's vaults + callers): every record goes to
// one clone (a hash of its line number), and its vault name and caller ids (oid, appid) get the
// clone's suffix. A clone's caller keeps the original's working set (most callers touch 1-3
// vaults), within its own clone's vaults. The rewritten records are piped into a child
// `vaultwatch detect --input -` whose CPU time and peak RSS come from wait4's rusage, so the
// rewriting's own cost is not counted. After the run, the state directory's bytes are divided
// by the keys the records actually touched.
//
//   scale_bench --input FILE [--keys 10000,100000,1000000,10000000] [--records N]
//               [--config configs/detect.yaml] [--vaultwatch PATH] [--work DIR]
//               [--extra "flag ..."]   (passed to vaultwatch detect)

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/hash.h"

namespace {

uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb3f9e63dd3c3ULL;
  x ^= x >> 33;
  return x;
}

uint64_t HashView(std::string_view s) {
  // This seed (not FNV's offset basis) fixed the published runs' vault and caller draws.
  return Mix(vw::Fnv1a64(s, 1469598103934665603ULL));
}

// The value of the JSON string field `"name":"` in `line` (no escapes in these fields):
// [begin, end) offsets, or npos.
std::pair<size_t, size_t> Field(std::string_view line, std::string_view name) {
  size_t p = line.find(name);
  if (p == std::string_view::npos) return {p, p};
  p += name.size();
  const size_t e = line.find('"', p);
  if (e == std::string_view::npos) return {e, e};
  return {p, e};
}

constexpr std::string_view kResource = "\"resourceId\":\"";
constexpr std::string_view kOid = "\"oid\":\"";
constexpr std::string_view kAppId = "\"appid\":\"";

struct Keys {
  std::string_view vault, caller;  // views into the line (caller empty: by IP, not rewritten)
};

Keys KeysOf(std::string_view line) {
  Keys k;
  auto [rb, re] = Field(line, kResource);
  if (rb != std::string_view::npos) k.vault = line.substr(rb, re - rb);
  auto [ob, oe] = Field(line, kOid);
  if (ob != std::string_view::npos) {
    k.caller = line.substr(ob, oe - ob);
  } else if (auto [ab, ae] = Field(line, kAppId); ab != std::string_view::npos) {
    k.caller = line.substr(ab, ae - ab);
  }
  return k;
}

// Rewrites `line` into `out` for clone `clone`: the vault's resource id and the caller's oid and
// appid get a suffix (ids stay distinct per clone; a GUID-shaped id stays a string ingest takes).
void Rewrite(std::string_view line, uint64_t clone, std::string* out) {
  out->clear();
  char suffix[24];
  const int n = std::snprintf(suffix, sizeof(suffix), "-c%" PRIu64, clone);
  std::vector<size_t> at;  // ends of the fields to suffix, ascending
  for (std::string_view f : {kResource, kOid, kAppId}) {
    auto [b, e] = Field(line, f);
    if (b != std::string_view::npos) at.push_back(e);
  }
  std::sort(at.begin(), at.end());
  size_t from = 0;
  for (size_t e : at) {
    out->append(line.substr(from, e - from));
    out->append(suffix, static_cast<size_t>(n));
    from = e;
  }
  out->append(line.substr(from));
  out->push_back('\n');
}

struct RunResult {
  uint64_t records = 0, vaults = 0, callers = 0, events = 0, alerts = 0;
  double cpu = 0, wall = 0;
  int64_t peak_rss_kb = 0;
  uint64_t state_bytes = 0;
};

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

// A number of the summary line (printed as %g: 1.97088e+06).
double JsonNumber(const std::string& json, const std::string& name) {
  const size_t p = json.find("\"" + name + "\":");
  if (p == std::string::npos) return 0;
  return std::strtod(json.c_str() + p + name.size() + 3, nullptr);
}

double Now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

bool RunOne(const std::string& vaultwatch, const std::string& input, const std::string& config,
            const std::string& work, const std::vector<std::string>& extra, uint64_t clones,
            uint64_t max_records, RunResult* r) {
  const std::string state = work + "/state";
  const std::string summary = work + "/summary.json";
  std::filesystem::remove_all(state);
  std::filesystem::remove(summary);
  int fds[2];
  if (pipe(fds) != 0) return false;
  std::vector<std::string> args = {vaultwatch,      "detect",         "--input", "-",
                                   "--output",      "/dev/null",      "--state", state,
                                   "--no-progress", "--summary-json", summary};
  if (!config.empty()) {
    args.push_back("--config");
    args.push_back(config);
  }
  for (const std::string& e : extra) args.push_back(e);
  const double t0 = Now();
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    dup2(fds[0], 0);
    close(fds[0]);
    // The child's summary goes to the log; its figures are read from --summary-json.
    const int log = open((work + "/detect.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
      close(log);
    }
    close(fds[1]);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    std::perror("execv");
    _exit(127);
  }
  close(fds[0]);
  FILE* to = fdopen(fds[1], "w");
  std::ifstream in(input);
  std::string line, out;
  std::vector<uint64_t> vaults, callers;
  uint64_t n = 0;
  while (std::getline(in, line) && (max_records == 0 || n < max_records)) {
    const uint64_t clone = clones > 1 ? Mix(n * 0x9e3779b97f4a7c15ULL + 1) % clones : 0;
    Rewrite(line, clone, &out);
    const Keys k = KeysOf(out);
    if (!k.vault.empty()) vaults.push_back(HashView(k.vault));
    if (!k.caller.empty()) callers.push_back(HashView(k.caller));
    if (std::fwrite(out.data(), 1, out.size(), to) != out.size()) break;
    ++n;
  }
  std::fclose(to);
  int status = 0;
  rusage ru{};
  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "scale_bench: vaultwatch detect failed (status %d)\n", status);
    return false;
  }
  r->wall = Now() - t0;
  r->cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
  r->peak_rss_kb = ru.ru_maxrss;
  r->records = n;
  for (auto* v : {&vaults, &callers}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  r->vaults = vaults.size();
  r->callers = callers.size();
  std::ifstream s(summary);
  std::stringstream ss;
  ss << s.rdbuf();
  // Events as the engine counts them (records with an identity); the summary prints 6 digits.
  r->events = static_cast<uint64_t>(JsonNumber(ss.str(), "events"));
  r->alerts = static_cast<uint64_t>(JsonNumber(ss.str(), "alerts"));
  r->state_bytes = DirBytes(state);
  std::filesystem::remove_all(state);
  return true;
}

void Usage() {
  std::fprintf(stderr,
               "usage: scale_bench --input FILE [--keys 10000,100000,...] [--records N] "
               "[--config FILE] [--vaultwatch PATH] [--work DIR] [--extra 'flags']\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string input, config, work = "/tmp/vw-scale-bench", vaultwatch;
  std::vector<uint64_t> keys = {10000, 100000, 1000000, 10000000};
  std::vector<std::string> extra;
  uint64_t max_records = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) {
      Usage();
      return 2;
    }
    std::string v = argv[++i];
    if (a == "--input") {
      input = v;
    } else if (a == "--config") {
      config = v;
    } else if (a == "--work") {
      work = v;
    } else if (a == "--vaultwatch") {
      vaultwatch = v;
    } else if (a == "--records") {
      max_records = std::strtoull(v.c_str(), nullptr, 10);
    } else if (a == "--extra") {
      std::istringstream is(v);
      for (std::string w; is >> w;) extra.push_back(w);
    } else if (a == "--keys") {
      keys.clear();
      std::istringstream is(v);
      for (std::string w; std::getline(is, w, ',');)
        keys.push_back(std::strtoull(w.c_str(), nullptr, 10));
    } else {
      Usage();
      return 2;
    }
  }
  if (input.empty() || keys.empty()) {
    Usage();
    return 2;
  }
  if (vaultwatch.empty()) {
    vaultwatch = (std::filesystem::path(argv[0]).parent_path() / ".." / "apps" / "vaultwatch")
                     .lexically_normal()
                     .string();
  }
  std::filesystem::create_directories(work);
  signal(SIGPIPE, SIG_IGN);
  // The input tenant's own keys: what one clone holds.
  uint64_t base_vaults = 0, base_callers = 0;
  {
    std::unordered_set<std::string> v, c;
    std::ifstream in(input);
    std::string line;
    for (uint64_t n = 0; std::getline(in, line) && (max_records == 0 || n < max_records); ++n) {
      const Keys k = KeysOf(line);
      if (!k.vault.empty()) v.emplace(k.vault);
      if (!k.caller.empty()) c.emplace(k.caller);
    }
    base_vaults = v.size();
    base_callers = c.size();
  }
  const uint64_t base = std::max<uint64_t>(1, base_vaults + base_callers);
  std::printf("input: %" PRIu64 " vaults + %" PRIu64 " callers per clone\n", base_vaults,
              base_callers);
  std::printf(
      "| keys (tenant) | clones | records | vaults touched | callers touched | "
      "events per CPU-s | CPU s | wall s | peak RSS MiB | state MB | state B/key |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::fflush(stdout);
  for (uint64_t k : keys) {
    const uint64_t clones = std::max<uint64_t>(1, (k + base / 2) / base);
    RunResult r;
    if (!RunOne(vaultwatch, input, config, work, extra, clones, max_records, &r)) return 1;
    const uint64_t touched = std::max<uint64_t>(1, r.vaults + r.callers);
    std::printf("| %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64
                " | %.0f | %.1f | %.1f | %.0f | %.1f | %.1f |\n",
                clones * base, clones, r.records, r.vaults, r.callers,
                r.cpu > 0 ? static_cast<double>(r.events) / r.cpu : 0, r.cpu, r.wall,
                static_cast<double>(r.peak_rss_kb) / 1024, static_cast<double>(r.state_bytes) / 1e6,
                static_cast<double>(r.state_bytes) / static_cast<double>(touched));
    std::fflush(stdout);
  }
  return 0;
}
