#include "staffeln/api/backup_verdict.h"

#include "staffeln/core/backup_tag.h"

#include <cctype>

namespace staffeln::api {

namespace {

constexpr std::size_t kMaxBackupIdLength = 64;

bool could_be_cinder_id(std::string_view id) {
    if (id.empty() || id.size() > kMaxBackupIdLength) return false;
    for (char c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    return true;
}

}  // namespace

StoreStep after_store(const Result<bool>& automated, bool cinder_lookups, std::string_view backup_id) {
    if (!automated || *automated) return StoreStep::deny;
    return cinder_lookups && could_be_cinder_id(backup_id) ? StoreStep::ask_cinder : StoreStep::allow;
}

CinderFinding finding_of(const Result<Backup>& fetched) {
    if (fetched) return core::made_by_staffeln(*fetched) ? CinderFinding::staffelns : CinderFinding::not_staffelns;
    // Cinder reads the backup before it asks the policy (cinder/backup/api.py delete()), so a
    // 404 here means it was deleted in between: nothing is left to protect, and the delete
    // then fails in Cinder on its own.
    return fetched.error().kind == ErrorKind::not_found ? CinderFinding::no_such_backup : CinderFinding::unknown;
}

Verdict verdict_of(CinderFinding finding) {
    switch (finding) {
        case CinderFinding::not_staffelns:
        case CinderFinding::no_such_backup:
            return Verdict::allow;
        case CinderFinding::staffelns:
        case CinderFinding::unknown:
            return Verdict::deny;
    }
    return Verdict::deny;
}

std::chrono::seconds cache_lifetime(CinderFinding finding, const CacheLifetimes& lifetimes) {
    switch (finding) {
        case CinderFinding::staffelns:
            return lifetimes.staffelns;
        case CinderFinding::not_staffelns:
        case CinderFinding::no_such_backup:
            return lifetimes.others;
        case CinderFinding::unknown:
            return std::chrono::seconds(0);
    }
    return std::chrono::seconds(0);
}

const char* to_string(AnswerSource source) {
    switch (source) {
        case AnswerSource::store:
            return "store";
        case AnswerSource::store_then_cinder:
            return "store+cinder";
        case AnswerSource::cinder:
            return "cinder";
    }
    return "store";
}

const char* to_string(CinderFinding finding) {
    switch (finding) {
        case CinderFinding::staffelns:
            return "tagged by staffeln";
        case CinderFinding::not_staffelns:
            return "not tagged by staffeln";
        case CinderFinding::no_such_backup:
            return "no such backup";
        case CinderFinding::unknown:
            return "unknown";
    }
    return "unknown";
}

}  // namespace staffeln::api
