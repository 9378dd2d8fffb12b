#include "staffeln/conductor/dr_import.h"

#include <fmt/format.h>

#include <unordered_set>

namespace staffeln::conductor {

const char* to_string(ImportResult result) {
    switch (result) {
        case ImportResult::imported:
            return "imported";
        case ImportResult::present:
            return "already present";
        case ImportResult::would_import:
            return "would be imported";
        case ImportResult::failed:
            return "failed";
    }
    return "failed";
}

Result<ImportOutcome> import_dr_records(openstack::Cloud& cloud, const std::vector<core::DrRecord>& selected,
                                        bool dry_run, const std::function<void(const ImportLine&)>& on_line) {
    auto listed = [&]() -> Result<std::unordered_set<std::string>> {
        std::unordered_set<std::string> ids;
        auto status = cloud.cinder().for_each_backup({}, [&](Backup&& b) { ids.insert(std::move(b.id)); });
        if (!status) return status.error().context("listing backups of every project");
        return ids;
    };
    auto before = listed();
    if (!before) return before.error();
    ImportOutcome outcome;
    // What Cinder has or will have: an incremental goes in only after its parent.
    std::unordered_set<std::string> there = *before;
    for (const auto& step : core::plan_import(selected, *before)) {
        const std::string& parent = step.record->parent_id;
        ImportLine line{step.record->backup_id, ImportResult::present, {}};
        if (!step.present && !parent.empty() && !there.contains(parent)) {
            line.result = ImportResult::failed;
            line.detail = fmt::format("not imported: its parent backup {} is not present", parent);
        } else if (!step.present && dry_run) {
            line.result = ImportResult::would_import;
        } else if (!step.present) {
            auto imported = cloud.cinder().import_record({step.record->backup_service, step.record->backup_url, {}});
            // Another run (or Cinder's own retry) may have imported it since the listing.
            bool exists = !imported && imported.error().message.ends_with("Backup already exists in database.");
            line.result = imported ? ImportResult::imported : exists ? ImportResult::present : ImportResult::failed;
            if (!imported && !exists) line.detail = imported.error().message;
        }
        if (line.result != ImportResult::failed) there.insert(line.backup_id);
        on_line(line);
        outcome.lines.push_back(std::move(line));
    }
    if (dry_run) return outcome;
    auto after = listed();
    if (!after) return after.error();
    for (const auto& r : selected)
        if (!after->contains(r.backup_id)) outcome.missing_after.push_back(r.backup_id);
    return outcome;
}

}  // namespace staffeln::conductor
