#include "governance/embedded.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/json_writer.h"

namespace vw::governance {
namespace {

// A mistyped flag could put the key itself where a variable name belongs; an error message that
// echoed it would leak it into logs. So a name that is not a plain variable name is never echoed.
bool IsVariableName(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// A marker's content in words.
std::string Kind(const std::string& holds) { return holds == "clear" ? "clear identities" : holds; }

}  // namespace

Status CheckAndMarkState(const std::string& state_dir, const std::string& holds) {
  if (state_dir.empty()) return Status::OK();
  namespace fs = std::filesystem;
  const fs::path marker = fs::path(state_dir) / kPrivacyMarkerName;
  std::error_code ec;
  if (fs::exists(marker, ec)) {
    std::ifstream in(marker, std::ios::binary);
    std::string found;
    std::getline(in, found);
    if (!in && !in.eof()) return Status::IOError(marker.string() + ": cannot read");
    if (found == holds) return Status::OK();
    return Status::FailedPrecondition(
        "state " + state_dir + " holds " + (found.empty() ? "(unreadable marker)" : Kind(found)) +
        " but this run would store " + Kind(holds) +
        ": use the same --pseudonymise state and key as the runs that built it, or a new state "
        "directory (docs/privacy.md)");
  }
  if (fs::exists(fs::path(state_dir) / "CURRENT", ec) && holds != "clear") {
    return Status::FailedPrecondition(
        "state " + state_dir + " was built without a privacy marker (so in clear) but this run " +
        "would store " + Kind(holds) + ": use a new state directory (docs/privacy.md)");
  }
  fs::create_directories(state_dir, ec);
  if (ec) return Status::IOError(state_dir + ": " + ec.message());
  std::ofstream out(marker, std::ios::binary | std::ios::trunc);
  out << holds << "\n";
  out.flush();
  if (!out) return Status::IOError(marker.string() + ": write failed");
  return Status::OK();
}

Result<std::unique_ptr<EmbeddedGovernance>> EmbeddedGovernance::Configure(
    const PrivacyOptions& privacy, detect::DetectRunOptions* run) {
  std::unique_ptr<EmbeddedGovernance> g(new EmbeddedGovernance());
  g->mode_ = privacy.pseudonymise;
  if (!privacy.key_file.empty() && !privacy.key_env.empty()) {
    return Status::InvalidArgument(
        "name the pseudonymisation key once: --pseudonym-key-file or --pseudonym-key-env");
  }
  if (privacy.pseudonymise == PseudonymiseMode::kNone) {
    if (!privacy.key_file.empty() || !privacy.key_env.empty()) {
      return Status::InvalidArgument(
          "a pseudonymisation key was named but --pseudonymise is none: say state or alerts");
    }
  } else {
    const std::string env =
        privacy.key_env.empty() ? std::string(kDefaultPseudonymKeyEnv) : privacy.key_env;
    if (privacy.key_file.empty() && !IsVariableName(env)) {
      return Status::InvalidArgument(
          "--pseudonym-key-env must name an environment variable (letters, digits, '_')");
    }
    // Both loaders keep the key out of their messages (pseudonymise.h).
    Result<alerts::Pseudonymiser> p = alerts::LoadPseudonymiser(privacy.key_file, env);
    if (!p.ok()) {
      std::string where =
          "--pseudonymise " + std::string(PseudonymiseModeName(privacy.pseudonymise));
      // Name the file (a path, never its content) unless the loader's message already does.
      if (!privacy.key_file.empty() &&
          p.status().message().find(privacy.key_file) == std::string::npos) {
        where += ", key file " + privacy.key_file;
      }
      return Status(p.status().code(), where + ": " + p.status().message());
    }
    g->pseudonymiser_ = std::make_unique<alerts::Pseudonymiser>(std::move(*p));
  }
  if (!privacy.feedback_path.empty()) {
    VW_ASSIGN_OR_RETURN(std::vector<Verdict> verdicts,
                        ReadVerdicts(privacy.feedback_path, &g->verdict_lines_));
    // ReadVerdicts sorted them by event time; every alert arrives later, so each verdict waits
    // for its alert (pending) and the outcome depends on event times only.
    for (const Verdict& v : verdicts) g->filter_.AddVerdict(v);
    g->has_feedback_ = true;
  }
  // Last of the checks, as it writes the marker: nothing fails after it.
  VW_RETURN_IF_ERROR(
      CheckAndMarkState(run->state_dir, privacy.pseudonymise == PseudonymiseMode::kState
                                            ? "pseudonyms " + g->pseudonymiser_->KeyFingerprint()
                                            : std::string("clear")));
  // The hooks point into `g`: installed only once nothing can fail.
  if (const alerts::Pseudonymiser* ps = g->pseudonymiser_.get(); ps != nullptr) {
    if (privacy.pseudonymise == PseudonymiseMode::kState) {
      // Alerts are built from pseudonymised events: no alert pass (it would hash pseudonyms).
      run->event_transform = [ps](v1::AccessEvent* e) { ps->Apply(e); };
    } else {
      run->alert_transform = [ps](v1::Alert* a) { ps->Apply(a); };
    }
  }
  if (g->has_feedback_) {
    AlertFilter* f = &g->filter_;
    run->keep_alert = [f](const v1::Alert& a) { return f->Keep(a); };
  }
  return g;
}

std::string EmbeddedGovernance::SummaryText() const {
  std::string s;
  if (mode_ != PseudonymiseMode::kNone) {
    s += std::string("detect: pseudonymised ") +
         (mode_ == PseudonymiseMode::kState
              ? "state and alerts (UPNs, object ids, IPs; keyed by pseudonyms)"
              : "alerts (UPNs, object ids, IPs; state in clear)") +
         "\n";
  }
  if (has_feedback_) {
    const FilterStats& f = filter_.stats();
    char buf[512];
    std::snprintf(
        buf, sizeof buf,
        "detect: feedback: %llu verdicts (%llu benign, %llu true positive, %llu naming "
        "no alert of this run, %llu bad lines); %zu suppressions; %llu alerts "
        "suppressed, %llu kept\n",
        static_cast<unsigned long long>(f.verdicts), static_cast<unsigned long long>(f.benign),
        static_cast<unsigned long long>(f.true_positive),
        static_cast<unsigned long long>(f.unmatched_verdicts),
        static_cast<unsigned long long>(verdict_lines_.bad), filter_.suppressions().size(),
        static_cast<unsigned long long>(f.suppressed), static_cast<unsigned long long>(f.kept));
    s += buf;
    for (const auto& [type, n] : f.suppressed_by_type) {
      std::snprintf(buf, sizeof buf, "  suppressed %-37s %llu\n", type.c_str(),
                    static_cast<unsigned long long>(n));
      s += buf;
    }
  }
  return s;
}

std::string EmbeddedGovernance::MergeSummaryJson(std::string_view detect_json) const {
  JsonWriter w;
  w.BeginObject();
  w.Key("pseudonymise").String(PseudonymiseModeName(mode_));
  if (has_feedback_) {
    const FilterStats& f = filter_.stats();
    w.Key("feedback").BeginObject();
    w.Key("verdicts").Uint(f.verdicts);
    w.Key("benign").Uint(f.benign);
    w.Key("true_positive").Uint(f.true_positive);
    w.Key("unmatched_verdicts").Uint(f.unmatched_verdicts);
    w.Key("bad_lines").Uint(verdict_lines_.bad);
    w.Key("suppressions").Uint(filter_.suppressions().size());
    w.Key("seen").Uint(f.seen);
    w.Key("kept").Uint(f.kept);
    w.Key("suppressed").Uint(f.suppressed);
    w.Key("suppressed_by_type").BeginObject();
    for (const auto& [type, n] : f.suppressed_by_type) w.Key(type).Uint(n);
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  const std::string g = w.Take();
  // Insert before the object's closing brace.
  std::string out(detect_json);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (out.size() < 2 || out.front() != '{' || out.back() != '}') {
    return "{\"governance\":" + g + "}";  // not an object: keep ours alone, never broken JSON
  }
  out.pop_back();
  if (out.size() > 1) out += ",";
  out += "\"governance\":" + g + "}";
  return out;
}

}  // namespace vw::governance
