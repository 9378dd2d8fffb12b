#include "staffeln/store/upstream_import_marker.h"

#include <SQLiteCpp/Statement.h>

namespace staffeln::store {

Result<std::optional<UpstreamImportMark>> UpstreamImportMarker::completed() {
    std::optional<UpstreamImportMark> mark;
    auto read = guarded("cannot read the upstream import mark of " + db_.path().string(), [&] {
        SQLite::Statement q(db_.sql(), "SELECT completed_at, source FROM upstream_import WHERE id = 1");
        if (q.executeStep())
            mark = UpstreamImportMark{TimePoint(std::chrono::seconds(q.getColumn(0).getInt64())),
                                      q.getColumn(1).getString()};
    });
    if (!read) return read.error();
    return mark;
}

Status UpstreamImportMarker::mark_completed(TimePoint now, const std::string& source) {
    return guarded("cannot record the upstream import as completed in " + db_.path().string(), [&] {
        SQLite::Statement q(db_.sql(),
                            "INSERT OR REPLACE INTO upstream_import (id, completed_at, source) VALUES (1, ?, ?)");
        q.bind(1, static_cast<std::int64_t>(now.time_since_epoch().count()));
        q.bind(2, source);
        q.exec();
    });
}

}  // namespace staffeln::store
