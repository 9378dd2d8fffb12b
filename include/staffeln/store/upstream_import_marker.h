// The store's mark that upstream Staffeln's backups were imported completely: set only after an
// import that ran without a problem, so that an import cut short (a crash, Cinder failing
// half-way) is run again, idempotently, until it is set. One row (table upstream_import).
#pragma once

#include "staffeln/result.h"
#include "staffeln/store/database.h"
#include "staffeln/model.h"

#include <optional>
#include <string>

namespace staffeln::store {

struct UpstreamImportMark {
    TimePoint completed_at;
    std::string source;  // upstream's database URL, its password masked
};

class UpstreamImportMarker {
public:
    explicit UpstreamImportMarker(Database& db) : db_(db) {}

    // nullopt until mark_completed.
    Result<std::optional<UpstreamImportMark>> completed();
    // Sets (or renews) the mark; source must already be redacted.
    Status mark_completed(TimePoint now, const std::string& source);

private:
    Database& db_;
};

}  // namespace staffeln::store
