// definitions_of (dr_export.h): the store's side of the export's server definitions, apart from
// the document itself so that what writes and reads the document needs no SQLite.
#include "staffeln/conductor/dr_export.h"
#include "staffeln/store/server_definitions.h"

namespace staffeln::conductor {

Result<ServerDefinitions> definitions_of(store::Database& db, const std::vector<core::DrRecord>& records) {
    ServerDefinitions out;
    for (const auto& r : records) {
        if (r.origin.server_id.empty() || out.contains(r.origin.server_id)) continue;
        auto loaded = store::load_definitions(db, r.origin.server_id);
        if (!loaded) return loaded.error();
        out.emplace(r.origin.server_id, std::move(loaded).value());
    }
    return out;
}

}  // namespace staffeln::conductor
