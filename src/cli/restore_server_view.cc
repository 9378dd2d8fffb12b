#include "restore_server_view.h"

#include "staffeln/store/server_definitions.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace staffeln::cli {
namespace {

std::string or_none(const std::string& value) { return value.empty() ? "none" : value; }

std::string metadata_text(const Metadata& metadata) {
    if (metadata.empty()) return "none";
    std::vector<std::string> pairs;
    for (const auto& [k, v] : metadata) pairs.push_back(k + "=" + v);
    return fmt::format("{}", fmt::join(pairs, ", "));
}

}  // namespace

std::vector<std::string> definition_lines(const core::ServerDefinition& d, const std::string& indent) {
    std::vector<std::string> lines;
    std::vector<std::string> addresses;
    for (const auto& a : d.addresses)
        addresses.push_back(fmt::format("{} {}{}{}", a.network, a.ip, a.mac.empty() ? "" : " " + a.mac,
                                        a.type.empty() ? "" : " (" + a.type + ")"));
    lines.push_back(
        fmt::format("{}definition: flavor {}; image {}; zone {}; key {}; security groups {}", indent,
                    core::describe(d.flavor), d.image_id.empty() ? "none (boots from a volume)" : d.image_id,
                    or_none(d.availability_zone), or_none(d.key_name),
                    d.security_groups.empty() ? "none" : fmt::format("{}", fmt::join(d.security_groups, ", "))));
    lines.push_back(fmt::format("{}  addresses {}; metadata {}", indent,
                                addresses.empty() ? "none" : fmt::format("{}", fmt::join(addresses, ", ")),
                                metadata_text(d.metadata)));
    for (const auto& v : d.volumes)
        lines.push_back(fmt::format("{}  attached {} at {}, boot index {}, delete_on_termination {}", indent,
                                    v.volume_id, or_none(v.device), v.boot_index, v.delete_on_termination));
    return lines;
}

nlohmann::json definition_to_json(const core::ServerDefinition& definition) {
    return nlohmann::json::parse(store::definition_json(definition));
}

Result<core::ServerDefinition> recorded_definition(store::Database& db, const std::string& server_id,
                                                   TimePoint point_time) {
    auto recorded = store::load_definitions(db, server_id);
    if (!recorded) return recorded.error();
    const auto* found = store::definition_at(*recorded, point_time);
    if (!found)
        return make_error(ErrorKind::not_found,
                          fmt::format("the store {} has no definition of server {} (its backups were made before "
                                      "staffeln recorded servers' definitions): boot a server from the restored "
                                      "volumes by hand",
                                      db.path().string(), server_id));
    return found->definition;
}

nlohmann::json boot_plan_json(const core::BootPlan& plan) {
    if (!plan.request) return {{"refused", plan.refusal}};
    const auto& r = *plan.request;
    auto volumes = nlohmann::json::array();
    for (const auto& v : r.volumes)
        volumes.push_back({{"volume", v.volume_id},
                           {"device", v.device},
                           {"boot_index", v.boot_index},
                           {"delete_on_termination", v.delete_on_termination}});
    return {{"name", r.name},
            {"flavor", r.flavor_id},
            {"image", r.image_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.image_id)},
            {"availability_zone", r.availability_zone},
            {"key_name", r.key_name.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.key_name)},
            {"security_groups", r.security_groups},
            {"metadata", r.metadata},
            {"volumes", volumes},
            {"notes", plan.notes}};
}

std::vector<std::string> boot_plan_lines(const core::BootPlan& plan) {
    if (!plan.request) return {fmt::format("  server: would not be booted: {}", plan.refusal)};
    const auto& r = *plan.request;
    std::vector<std::string> lines{fmt::format("  server: would boot {} with flavor {}{}{}, networks none, metadata {}",
                                               r.name, r.flavor_id, r.key_name.empty() ? "" : ", key " + r.key_name,
                                               r.availability_zone.empty() ? "" : ", zone " + r.availability_zone,
                                               metadata_text(r.metadata))};
    for (const auto& v : r.volumes)
        lines.push_back(
            fmt::format("    from the copy of {} at {}, boot index {}", v.volume_id, or_none(v.device), v.boot_index));
    for (const auto& note : plan.notes) lines.push_back("    note: " + note);
    return lines;
}

}  // namespace staffeln::cli
