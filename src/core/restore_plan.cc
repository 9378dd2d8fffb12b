#include "staffeln/core/restore_plan.h"

#include <fmt/format.h>

#include <algorithm>

namespace staffeln::core {
namespace {

constexpr std::size_t kCinderNameLimit = 255;  // characters, not bytes

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The first `limit` UTF-8 characters of `text`: a cut never splits a character, whose broken
// bytes would make the name unwritable as JSON.
std::string first_characters(const std::string& text, std::size_t limit) {
    std::size_t end = 0;
    for (std::size_t count = 0; end < text.size() && count < limit; ++count) {
        ++end;
        while (end < text.size() && is_continuation_byte(text[end])) ++end;
    }
    return text.substr(0, end);
}

template <class Item>
const Item* find_by_id(const std::vector<Item>& items, const std::string& id) {
    auto it = std::find_if(items.begin(), items.end(), [&](const Item& item) { return item.id == id; });
    return it == items.end() ? nullptr : &*it;
}

std::string label(const std::string& name, const std::string& id) {
    return name.empty() ? id : fmt::format("{} ({})", id, name);
}

}  // namespace

std::string restored_volume_name(const std::string& original, TimePoint point_time) {
    std::string suffix = "-restored-" + format_point_time(point_time);
    return first_characters(original, kCinderNameLimit - suffix.size()) + suffix;
}

Result<RestorePlan> plan_server_restore(const ServerHistory& history, const std::vector<SourceVolume>& volumes,
                                        const std::vector<Backup>& backups, const RestoreRequest& request) {
    auto point = plan_restore(history, request.at, request.allow_partial, request.policy);
    if (!point) return point.error();
    RestorePlan plan{history.server_id, history.server_name, history.project_id, request.at, TimePoint{}, {}, {}};
    for (const auto& pv : point->volumes)
        if (pv.backup) plan.point_time = std::max(plan.point_time, pv.backup->data_timestamp);
    for (const auto& pv : point->volumes) {
        if (!pv.backup) {
            plan.left_out.push_back(pv.volume);
            continue;
        }
        const SourceVolume* source = find_by_id(volumes, pv.volume.id);
        const std::string name = source && !source->name.empty() ? source->name : pv.volume.name;
        const Backup* backup = find_by_id(backups, pv.backup->id);
        if (!backup)
            return make_error(
                ErrorKind::invalid_input,
                fmt::format("volume {}: its backup {} at {} is no longer in Cinder", label(name, pv.volume.id),
                            pv.backup->id, format_point_time(pv.backup->data_timestamp)));
        if (backup->status != "available")
            return make_error(ErrorKind::invalid_input,
                              fmt::format("volume {}: its backup {} is {} in Cinder; a restore reads only an "
                                          "available backup (run again once it is)",
                                          label(name, pv.volume.id), backup->id, backup->status));
        VolumeRestore item;
        item.source_volume_id = pv.volume.id;
        item.source_name = name;
        item.backup_id = backup->id;
        item.new_name = restored_volume_name(name.empty() ? pv.volume.id : name, plan.point_time);
        item.size_gb = std::max<std::int64_t>({source ? source->size_gb : 0, backup->size_gb, 1});
        if (source) {
            item.volume_type = source->volume_type;
            item.bootable = source->bootable;
        }
        plan.volumes.push_back(std::move(item));
    }
    return plan;
}

}  // namespace staffeln::core
