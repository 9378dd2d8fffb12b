#include "staffeln/core/restore_original.h"

#include "staffeln/core/restore_step.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace staffeln::core {
namespace {

bool has(const Metadata& metadata, const char* key, const std::string& value) {
    auto it = metadata.find(key);
    return it != metadata.end() && it->second == value;
}

std::string label(const std::string& name, const std::string& id) {
    return name.empty() ? id : fmt::format("{} ({})", id, name);
}

}  // namespace

const char* to_string(RestoreInto into) { return into == RestoreInto::original ? "original" : "new"; }

std::optional<RestoreInto> restore_into_from(std::string_view text) {
    if (text == "new") return RestoreInto::new_volumes;
    if (text == "original") return RestoreInto::original;
    return std::nullopt;
}

Result<RestorePlan> over_originals(RestorePlan plan, const std::vector<SourceVolume>& volumes,
                                   const std::vector<Backup>& backups) {
    std::vector<std::string> refused;
    for (auto& item : plan.volumes) {
        auto source = std::find_if(volumes.begin(), volumes.end(),
                                   [&](const SourceVolume& v) { return v.id == item.source_volume_id; });
        const std::string who = label(item.source_name, item.source_volume_id);
        if (source == volumes.end()) {
            refused.push_back(fmt::format("volume {} is no longer in Cinder", who));
            continue;
        }
        if (source->status != "available") {
            refused.push_back(
                fmt::format("volume {} is {}", who, source->status.empty() ? "of no status" : source->status));
            continue;
        }
        auto backup =
            std::find_if(backups.begin(), backups.end(), [&](const Backup& b) { return b.id == item.backup_id; });
        if (backup != backups.end() && backup->size_gb > source->size_gb) {
            refused.push_back(fmt::format("volume {} has {} GiB, less than its backup {} ({} GiB)", who,
                                          source->size_gb, backup->id, backup->size_gb));
            continue;
        }
        item.new_name = source->name;
        item.size_gb = source->size_gb;
        item.volume_type = source->volume_type;
        item.bootable = source->bootable;
    }
    if (!refused.empty())
        return make_error(
            ErrorKind::invalid_input,
            fmt::format(
                "no restore of server {} over its original volumes: {}; a restore over a "
                "volume needs it available (detached from its server) and at least as large "
                "as its backup",
                plan.server_name.empty() ? plan.server_id : fmt::format("{} ({})", plan.server_name, plan.server_id),
                fmt::join(refused, "; ")));
    plan.into = RestoreInto::original;
    return plan;
}

OriginalDecision next_original_step(const OriginalTarget& target, const Volume& shown) {
    if (shown.status == "restoring-backup") return {OriginalStep::wait, ""};
    const bool pending = has(shown.metadata, kRestorePendingTag, target.restore_id);
    const bool restored = !pending && target.marked && has(shown.metadata, kSourceBackupKey, target.backup_id);
    if (restored && (shown.status == "available" || shown.status == "in-use")) {
        const bool tagged = has(shown.metadata, kRestoreTag, target.restore_id) &&
                            has(shown.metadata, kRestoreSourceTag, target.volume_id) &&
                            (!target.bootable || shown.bootable);
        return {tagged ? OriginalStep::done : OriginalStep::tag, ""};
    }
    if (shown.status != "available")
        return {OriginalStep::fail,
                fmt::format("Cinder shows volume {} {}; a restore over it needs it available", shown.id, shown.status)};
    return {pending ? OriginalStep::start_restore : OriginalStep::mark, ""};
}

const char* to_string(OriginalStep step) {
    switch (step) {
        case OriginalStep::mark:
            return "mark";
        case OriginalStep::start_restore:
            return "restore";
        case OriginalStep::wait:
            return "wait";
        case OriginalStep::tag:
            return "tag";
        case OriginalStep::done:
            return "done";
        case OriginalStep::fail:
            return "fail";
    }
    return "fail";
}

}  // namespace staffeln::core
