// The general reader: simdjson's on-demand API over one document (a line or a document of a
// stream), for every shape of record, envelope and array, with a dead letter and a reason for
// everything that is not an accepted record.
#include <simdjson.h>

#include <string>
#include <utility>

#include "base/time_format.h"
#include "processors/ingest/ingestor_impl.h"
#include "processors/ingest/input_shape.h"

namespace vw::ingest {
namespace {

// Keys without escapes (all of Azure's) are read in place, without copying them out; a key with an
// escape is unescaped. The key's closing quote is found from the value's first byte, backwards
// over the colon: simdjson has already checked that only blanks and a ':' lie between.
simdjson::error_code FastKey(od::field& f, std::string_view* key) {
  const char* begin = f.key().raw();
  const char* p = f.value().raw_json_token().data() - 1;
  while (IsAsciiBlank(*p)) --p;  // now at ':'
  --p;
  while (IsAsciiBlank(*p)) --p;  // now at the closing quote
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
  while (n > 1 && IsAsciiBlank(tok[n - 1])) --n;
  if (n < 2 || tok[n - 1] != '"') return false;
  if (HasBackslash(tok.data() + 1, n - 2)) return false;
  *out = tok.substr(1, n - 2);
  return true;
}

inline simdjson::error_code GetString(od::value& v, std::string_view* out) {
  if (InPlaceString(v, out)) return simdjson::SUCCESS;
  return v.get_string().get(*out);
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

// Whether simdjson still holds the document's iterator. A structural error met while skipping
// over members (an unbalanced bracket, a bare word) makes it abandon the iterator, and the
// object or array loop then simply ends: the error is not reported anywhere else.
bool Alive(od::document& doc) { return doc.is_alive(); }
bool Alive(simdjson::simdjson_result<od::document_reference>& doc) {
  return static_cast<od::document&>(doc.value_unsafe()).is_alive();
}

}  // namespace

template <typename Doc>
bool Ingestor::Impl::ProcessRoot(Doc& doc, DocCtx& ctx) {
  if (!ProcessRootValue(doc, ctx)) return false;
  if (!Alive(doc)) {
    // What was read of it may look like records, but the document is not JSON: it is a dead
    // letter as a whole (and a document stream cannot be advanced past it).
    broken_reason_ =
        std::string("malformed JSON: ") + simdjson::error_message(simdjson::TAPE_ERROR);
    return false;
  }
  return true;
}

template <typename Doc>
bool Ingestor::Impl::ProcessRootValue(Doc& doc, DocCtx& ctx) {
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
  if (!rec_.category.empty() && !EqualsIgnoreCase(rec_.category, options_.accept_category)) {
    ++staged_skipped_;
    ++message_index_;
    return Rec::kSkipped;
  }
  if (result == Rec::kAccepted) {
    if (!rec_.has_time) {
      rec_.reason = "'time' missing";
    } else if (!rec_.has_resource) {
      rec_.reason = "'resourceId' missing";
    } else if (!rec_.has_operation) {
      rec_.reason = "'operationName' missing";
    }
    if (!rec_.reason.empty()) result = Rec::kDead;
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
    StageDead(raw, rec_.reason, ctx);
    ++message_index_;
    return Rec::kDead;
  }
  FinishRecord(e, ctx);
  return Rec::kAccepted;
}

Rec Ingestor::Impl::Wrong(std::string_view field, std::string_view expected, od::json_type got) {
  rec_.reason = "'";
  rec_.reason.append(field);
  rec_.reason += "' is ";
  rec_.reason += TypeName(got);
  rec_.reason += ", expected ";
  rec_.reason.append(expected);
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
      rec_.reason = "'" + std::string(field) + "' is out of range";
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
    rec_.reason =
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
          rec_.reason = "'time' is not an RFC 3339 time: \"" + std::string(s.substr(0, 64)) + "\"";
          return Rec::kDead;
        }
        e->set_time_us(t->micros());
        rec_.has_time = true;
      }
      return Rec::kAccepted;
    case 8:
      if (KeyIs(key, "category")) {
        VW_GOT_OR_RETURN(String(v, "category", &s));
        if (got == Got::kValue) rec_.category = s;
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
          rec_.has_resource = true;
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
          rec_.request_uri = s;
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
          rec_.has_operation = true;
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
            rec_.reason = "'httpStatusCode' is out of range: " + std::to_string(n);
            return Rec::kDead;
          }
          rec_.http_status = n;
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
          if (got == Got::kValue) rec_.props_id = s;
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
            rec_.request_uri = s;
          }
        }
        break;
      case 14:
        if (KeyIs(key, "httpStatusCode")) {
          VW_GOT_OR_RETURN(Integer(fv, "properties.httpStatusCode", &n));
          if (got == Got::kValue) {
            if (n < 0 || n > 999) {
              rec_.reason = "'properties.httpStatusCode' is out of range: " + std::to_string(n);
              return Rec::kDead;
            }
            rec_.http_status = n;
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
      rec_.reason = "'identity' is a string but not a JSON object";
      return Rec::kDead;
    }
    for (auto field_result : root) {
      od::field field;
      std::string_view key;
      if (std::move(field_result).get(field) || FastKey(field, &key)) {
        rec_.reason = "'identity' is a string holding malformed JSON";
        return Rec::kDead;
      }
      if (!KeyIs(key, "claim")) continue;
      od::value cv = field.value();
      od::object claims;
      if (cv.get_object().get(claims)) {
        rec_.reason = "'identity.claim' is not an object";
        return Rec::kDead;
      }
      Rec r = ReadClaims(claims, 0, e);
      if (r == Rec::kBroken) {
        rec_.reason = "'identity' is a string holding malformed JSON";
        return Rec::kDead;
      }
      if (r != Rec::kAccepted) return r;
    }
    const char* trailing = nullptr;
    if (!doc.current_location().get(trailing)) {
      rec_.reason = "'identity' is a string holding malformed JSON";
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
    const Claim which = ClaimOf(key);
    if (which == Claim::kUnused) continue;
    std::string_view s;
    if (auto err = GetString(v, &s)) return Broken(err, "'identity.claim'");
    SetClaim(which, s, c, &rec_.claims);
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

// The two kinds of document the shapes hand over: a line's own, and one of a document stream.
template bool Ingestor::Impl::ProcessRoot(od::document&, DocCtx&);
template bool Ingestor::Impl::ProcessRoot(
    decltype(*std::declval<od::document_stream::iterator&>())&, DocCtx&);

}  // namespace vw::ingest
