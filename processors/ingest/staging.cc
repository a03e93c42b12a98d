// What both readers share around a record: its begin (scratch reset, event storage) and end
// (derived fields, position), the vault cache, and the staging of a document's events and dead
// letters until the document is known to be readable.
#include <cstring>
#include <string>
#include <utility>

#include "base/hash.h"
#include "processors/ingest/ingestor_impl.h"

namespace vw::ingest {

// ---------------------------------------------------------------------------------------------
// Staging and positions

AccessEvent* Ingestor::Impl::NewEvent() {
  if (staged_events_ == pool_.size()) pool_.emplace_back();
  AccessEvent* e = &pool_[staged_events_];
  // Sub-messages and string buffers are kept across records: a dozen allocations fewer per record.
  ClearForReuse(e);
  return e;
}

void Ingestor::Impl::FillPosition(const DocCtx& ctx, SourcePosition* pos) const {
  pos->mutable_source()->assign(ctx.base.source());  // reuses the event's string capacity
  pos->set_partition(ctx.base.partition());
  if (ctx.base.partition() >= 0) {
    pos->set_offset(ctx.base.offset());
    pos->set_index(ctx.base.index() + message_index_);
  } else {
    pos->set_offset(ctx.base.offset() + ctx.offset);
    pos->set_index(record_index_);
  }
}

std::string Ingestor::Impl::Locator(const DocCtx& ctx) const {
  std::string s = ctx.line > 0 ? "line " + std::to_string(ctx.line)
                               : "document " + std::to_string(ctx.document);
  if (in_container_) s += " record " + std::to_string(record_index_);
  return s;
}

void Ingestor::Impl::StageDead(std::string_view raw, std::string reason, const DocCtx& ctx) {
  DeadLetter d;
  d.raw.assign(raw.substr(0, options_.max_dead_letter_raw_bytes));
  d.reason = Locator(ctx) + ": " + reason;
  FillPosition(ctx, &d.source);
  staged_dead_.push_back(std::move(d));
}

void Ingestor::Impl::DropStaged() {
  staged_events_ = 0;
  staged_dead_.clear();
  staged_skipped_ = 0;
}

void Ingestor::Impl::Flush(RecordSink& sink) {
  for (size_t i = 0; i < staged_events_; ++i) {
    ++counters_.records_in;
    ++counters_.accepted;
    sink.OnEvent(std::move(pool_[i]));
  }
  for (DeadLetter& d : staged_dead_) {
    ++counters_.records_in;
    ++counters_.deadlettered;
    sink.OnDeadLetter(std::move(d));
  }
  counters_.records_in += staged_skipped_;
  counters_.skipped += staged_skipped_;
  DropStaged();
}

void Ingestor::Impl::DeadLetterRaw(std::string_view raw, std::string reason,
                                   const SourcePosition& pos, RecordSink& sink) {
  DeadLetter d;
  d.raw.assign(raw.substr(0, options_.max_dead_letter_raw_bytes));
  d.reason = std::move(reason);
  d.source = pos;
  ++counters_.records_in;
  ++counters_.deadlettered;
  sink.OnDeadLetter(std::move(d));
}

AccessEvent* Ingestor::Impl::BeginRecord() {
  rec_.reason.clear();
  // One by one: chained assignments of views make GCC copy through memory (a stall).
  rec_.category = {};
  rec_.claims.idtyp = {};
  rec_.claims.upn = {};
  rec_.claims.unique_name = {};
  rec_.claims.name = {};
  rec_.claims.ipaddr = {};
  rec_.props_id = {};
  rec_.request_uri = {};
  rec_.http_status = 0;
  rec_.has_time = rec_.has_resource = rec_.has_operation = false;
  return NewEvent();
}

void Ingestor::Impl::FinishRecord(AccessEvent* e, const DocCtx& ctx) {
  // Derived fields, once every member has been read (JSON member order is free).
  DeriveCaller(rec_.claims, e->mutable_caller());
  if (!rec_.props_id.empty()) ParseTarget(rec_.props_id, false, e);
  if (e->target_name().empty() && !rec_.request_uri.empty()) ParseTarget(rec_.request_uri, true, e);
  e->set_outcome(
      DeriveOutcome(static_cast<int>(rec_.http_status), e->result_signature(), e->operation()));
  if (!rec_.category.empty()) e->mutable_category()->assign(rec_.category);
  FillPosition(ctx, e->mutable_source());
  ++staged_events_;
  ++message_index_;
}

void Ingestor::Impl::SetVault(std::string_view rid, AccessEvent* e) {
  // Hash the length and the last 16 bytes (the vault name), two words at a time: cheap, and
  // enough to spread vaults.
  uint64_t h = rid.size() * 0x9E3779B97F4A7C15ULL;
  if (rid.size() >= 16) {
    uint64_t a, b;
    std::memcpy(&a, rid.data() + rid.size() - 16, 8);
    std::memcpy(&b, rid.data() + rid.size() - 8, 8);
    h ^= a * 0xC2B2AE3D27D4EB4FULL;
    h = (h ^ (h >> 29)) * 0x165667B19E3779F9ULL;
    h ^= b * 0x27D4EB2F165667C5ULL;
  } else {
    h = Fnv1a64(rid, h);
  }
  h ^= h >> 33;  // murmur3 finaliser
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  // Two candidate slots (a tenant's few hundred vaults would often collide in one); a miss
  // replaces the one used least recently.
  VaultCacheEntry* c = &vault_cache_[h % kVaultCacheSize];
  if (c->resource_id != rid) {
    VaultCacheEntry* other = &vault_cache_[(h >> 32) % kVaultCacheSize];
    if (other->resource_id == rid) {
      c = other;
    } else if (other->last_use < c->last_use) {
      c = other;
      c->resource_id.clear();
    }
  }
  c->last_use = ++vault_clock_;
  if (c->resource_id != rid) {
    ParseResourceId(rid, e);
    c->resource_id.assign(rid);
    c->vault_id = e->vault_id();
    c->vault_name = e->vault_name();
    c->subscription_id = e->subscription_id();
    c->resource_group = e->resource_group();
    c->kind = e->vault_kind();
    return;
  }
  e->mutable_vault_id()->assign(c->vault_id);
  e->mutable_vault_name()->assign(c->vault_name);
  e->mutable_subscription_id()->assign(c->subscription_id);
  e->mutable_resource_group()->assign(c->resource_group);
  e->set_vault_kind(c->kind);
}

}  // namespace vw::ingest
