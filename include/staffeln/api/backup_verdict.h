// How the API decides a backup's answer, as plain values: the local store first, then (for an
// id the store does not know, when Cinder lookups are on) a cached Cinder answer, then Cinder.
// A standby node's store may lag the active conductor's, so Cinder's tag is the authority for
// what the store does not know. Anything that cannot be known is a deny (fail closed).
#pragma once

#include "staffeln/model.h"
#include "staffeln/result.h"

#include <chrono>
#include <string>
#include <string_view>

namespace staffeln::api {

enum class Verdict { allow, deny };

// Where the answers come from, fixed when the API starts: the store alone (no credentials), the
// store and then Cinder for ids it does not know, or Cinder alone (no store: an API pod of its own).
enum class AnswerSource { store, store_then_cinder, cinder };

// "store", "store+cinder", "cinder": what /v1/health and the start-up log call it.
const char* to_string(AnswerSource source);

// What the store's answer leaves to do.
enum class StoreStep { allow, deny, ask_cinder };

// automated: the store's is_automated(backup_id). An unreadable store denies; a store row
// denies; an unknown id is asked of Cinder when lookups are on, else allowed (the store is all
// we know). An id Cinder cannot have issued (not 1 to 64 of [A-Za-z0-9-], as its UUIDs are) is
// allowed without asking: there is no such backup, and no crafted id reaches Cinder's URLs.
StoreStep after_store(const Result<bool>& automated, bool cinder_lookups, std::string_view backup_id);

enum class CinderFinding {
    staffelns,       // the backup carries staffeln's tag: an automated backup
    not_staffelns,   // it exists and carries no tag: the user's own
    no_such_backup,  // Cinder says 404: nothing to protect
    unknown,         // unreachable, 5xx, refused credentials, bad answer: fail closed
};

// Cinder's answer to GET /backups/{id} with admin credentials, read through the tag parser.
CinderFinding finding_of(const Result<Backup>& fetched);

Verdict verdict_of(CinderFinding finding);

struct CacheLifetimes {
    std::chrono::seconds staffelns{86400};  // a tag is never removed: keep long
    std::chrono::seconds others{30};        // untagged or missing: re-asked soon
};

// How long a finding may be answered from the cache; zero for one that must not be cached.
std::chrono::seconds cache_lifetime(CinderFinding finding, const CacheLifetimes& lifetimes);

const char* to_string(CinderFinding finding);

}  // namespace staffeln::api
