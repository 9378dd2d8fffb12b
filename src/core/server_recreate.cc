#include "staffeln/core/server_recreate.h"

#include "staffeln/core/restore_step.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace staffeln::core {

BootPlan plan_boot(const ServerDefinition& recorded, const std::map<std::string, std::string>& restored,
                   const std::vector<FlavorOffer>& flavors, const RecreateOptions& options) {
    BootPlan plan;
    if (!recorded.addresses.empty()) {
        std::vector<std::string> networks;
        for (const auto& a : recorded.addresses)
            if (std::find(networks.begin(), networks.end(), a.network) == networks.end()) networks.push_back(a.network);
        plan.refusal = fmt::format(
            "server {} had addresses on network{} {}: staffeln does not map networks to this cloud's yet; boot a "
            "server from the restored volumes by hand",
            recorded.name, networks.size() == 1 ? "" : "s", fmt::join(networks, ", "));
        return plan;
    }
    BootRequest request;
    request.name = options.name;
    request.image_id = recorded.image_id;
    request.availability_zone = recorded.availability_zone;
    request.key_name = recorded.key_name;
    for (const auto& v : recorded.volumes) {
        auto copy = restored.find(v.volume_id);
        if (copy == restored.end()) {
            if (v.boot_index == 0) {
                plan.refusal =
                    fmt::format("the boot volume {} of server {} was not restored", v.volume_id, recorded.name);
                return plan;
            }
            plan.notes.push_back(fmt::format("volume {} ({}) was not restored: the server is booted without it",
                                             v.volume_id, v.device.empty() ? "no device" : v.device));
            continue;
        }
        request.volumes.push_back({copy->second, v.device, v.boot_index, v.delete_on_termination});
    }
    if (request.image_id.empty() && request.volumes.empty()) {
        plan.refusal = fmt::format("server {} has no recorded volume to boot from", recorded.name);
        return plan;
    }
    auto flavor = choose_flavor(recorded.flavor, flavors, options.flavor);
    if (!flavor.flavor) {
        plan.refusal = flavor.refusal;
        return plan;
    }
    if (!flavor.note.empty()) plan.notes.push_back(flavor.note);
    request.flavor_id = flavor.flavor->id;
    request.metadata = recorded.metadata;
    if (!options.keep_backup_tag && !options.backup_metadata_key.empty())
        request.metadata.erase(options.backup_metadata_key);
    request.metadata[kRestoreTag] = options.restore_id;
    // "default" alone is what Nova gives a server asked for none.
    if (recorded.security_groups != std::vector<std::string>{"default"})
        request.security_groups = recorded.security_groups;
    plan.request = std::move(request);
    return plan;
}

ServerDecision next_server_step(const std::vector<TaggedServer>& tagged) {
    if (tagged.empty()) return {ServerStep::boot, "", ""};
    if (tagged.size() > 1) {
        std::vector<std::string> ids;
        for (const auto& s : tagged) ids.push_back(s.id);
        return {ServerStep::fail, "",
                fmt::format("servers {} all carry this restore's tag; delete all but one", fmt::join(ids, ", "))};
    }
    const TaggedServer& s = tagged.front();
    if (s.status == "ACTIVE") return {ServerStep::done, s.id, ""};
    if (s.status == "ERROR")
        return {ServerStep::fail, s.id,
                fmt::format("server {} is ERROR: {}", s.id, s.fault.empty() ? "Nova shows no fault" : s.fault)};
    if (s.status == "BUILD" || s.status == "REBUILD" || s.status == "MIGRATING" || s.status == "REBOOT" ||
        s.status == "HARD_REBOOT" || s.status == "RESIZE" || s.status == "PASSWORD")
        return {ServerStep::wait, s.id, ""};
    return {ServerStep::done, s.id, ""};
}

const char* to_string(ServerStep step) {
    switch (step) {
        case ServerStep::boot:
            return "boot";
        case ServerStep::wait:
            return "wait";
        case ServerStep::done:
            return "done";
        case ServerStep::fail:
            return "fail";
    }
    return "?";
}

}  // namespace staffeln::core
