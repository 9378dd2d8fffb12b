#include "staffeln/core/restore_step.h"

#include <fmt/format.h>

namespace staffeln::core {
namespace {

bool has(const Metadata& metadata, const char* key, const std::string& value) {
    auto it = metadata.find(key);
    return it != metadata.end() && it->second == value;
}

}  // namespace

RestoreStep next_restore_step(const VolumeTarget& target, const std::optional<Volume>& made) {
    if (!made) return {NextStep::find_or_create, ""};
    const Volume& v = *made;
    if (v.status == "creating" || v.status == "restoring-backup") return {NextStep::wait, ""};
    const bool restored = has(v.metadata, kSourceBackupKey, target.backup_id);
    if (restored && (v.status == "available" || v.status == "in-use")) {
        const bool tagged = has(v.metadata, kRestoreTag, target.restore_id) &&
                            has(v.metadata, kRestoreSourceTag, target.source_volume_id) &&
                            (!target.bootable || v.bootable);
        return {tagged ? NextStep::done : NextStep::tag, ""};
    }
    if (v.status == "available") return {NextStep::start_restore, ""};
    return {NextStep::fail, fmt::format("Cinder shows volume {} {}", v.id, v.status)};
}

const char* to_string(NextStep step) {
    switch (step) {
        case NextStep::find_or_create:
            return "create";
        case NextStep::wait:
            return "wait";
        case NextStep::start_restore:
            return "restore";
        case NextStep::tag:
            return "tag";
        case NextStep::done:
            return "done";
        case NextStep::fail:
            return "fail";
    }
    return "fail";
}

}  // namespace staffeln::core
