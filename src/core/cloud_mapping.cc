#include "staffeln/core/cloud_mapping.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace staffeln::core {
namespace {

std::vector<const Project*> named(const std::vector<Project>& projects, const std::string& name) {
    std::vector<const Project*> found;
    for (const auto& p : projects)
        if (p.name == name) found.push_back(&p);
    return found;
}

const Project* with_id(const std::vector<Project>& projects, const std::string& id) {
    auto it = std::find_if(projects.begin(), projects.end(), [&](const Project& p) { return p.id == id; });
    return it == projects.end() ? nullptr : &*it;
}

std::string project_label(const std::string& id, const std::string& name) {
    return name.empty() ? fmt::format("project {}", id) : fmt::format("project {} ({})", name, id);
}

// The target project's ID, or "" with the error added.
std::string map_project(const std::string& id, const std::string& name, const TargetCloud& target,
                        const std::map<std::string, std::string>& maps, std::vector<std::string>& errors) {
    auto given = maps.find(id);
    if (given == maps.end() && !name.empty()) given = maps.find(name);
    if (given != maps.end()) {
        const std::string option = fmt::format("--map-project {}={}", given->first, given->second);
        if (const Project* p = with_id(target.projects, given->second)) return p->id;
        auto found = named(target.projects, given->second);
        if (found.size() == 1) return found.front()->id;
        errors.push_back(found.empty()
                             ? fmt::format("{}: cloud {} has no project with this ID or name", option, target.name)
                             : fmt::format("{}: cloud {} has {} projects of this name; give its ID", option,
                                           target.name, found.size()));
        return "";
    }
    if (const Project* p = with_id(target.projects, id)) return p->id;
    const std::string what = project_label(id, name);
    if (name.empty()) {
        errors.push_back(fmt::format(
            "{}: cloud {} has no project with this ID, and its name is not known; give --map-project {}=PROJECT", what,
            target.name, id));
        return "";
    }
    auto found = named(target.projects, name);
    if (found.size() == 1) return found.front()->id;
    errors.push_back(found.empty()
                         ? fmt::format("{}: cloud {} has no project of this name; give --map-project {}=PROJECT", what,
                                       target.name, id)
                         : fmt::format("{}: cloud {} has {} projects of this name; give --map-project "
                                       "{}=PROJECT_ID",
                                       what, target.name, found.size(), id));
    return "";
}

}  // namespace

Result<std::map<std::string, std::string>> parse_name_maps(std::string_view option,
                                                           const std::vector<std::string>& given) {
    std::map<std::string, std::string> maps;
    for (const auto& text : given) {
        auto eq = text.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
            return Error{ErrorKind::invalid_input, fmt::format("{} {}: give OLD=NEW", option, text)};
        auto [it, added] = maps.emplace(text.substr(0, eq), text.substr(eq + 1));
        if (!added)
            return Error{ErrorKind::invalid_input, fmt::format("{} {}: {} is mapped twice", option, text, it->first)};
    }
    return maps;
}

MappingOutcome map_to_cloud(const ServerDefinition& source, const std::string& source_project_name,
                            const TargetCloud& target, const MapOptions& options) {
    MappingOutcome outcome;
    CloudMapping mapping;
    mapping.project_id = map_project(source.project_id, source_project_name, target, options.projects, outcome.errors);
    if (options.boot) {
        auto flavor = choose_flavor(source.flavor, target.flavors, options.flavor, FlavorIds::ignore);
        if (flavor.flavor) {
            mapping.flavor_id = flavor.flavor->id;
            if (!flavor.note.empty()) mapping.notes.push_back(flavor.note);
        } else {
            outcome.errors.push_back(fmt::format("server {}: {} (cloud {})", source.name, flavor.refusal, target.name));
        }
        std::set<std::string> unmapped;  // each network named once, however many addresses it had
        for (const auto& address : source.addresses) {
            auto given = options.networks.find(address.network);
            if (given != options.networks.end()) {
                mapping.networks.emplace(address.network, given->second);
                continue;
            }
            if (!unmapped.insert(address.network).second) continue;
            outcome.errors.push_back(fmt::format(
                "network {}: not mapped; give --map-network {}=NETWORK_ID (staffeln does not query the network "
                "service of cloud {}, so networks are not mapped by name)",
                address.network, address.network, target.name));
        }
    }
    if (outcome.errors.empty()) outcome.mapping = std::move(mapping);
    return outcome;
}

}  // namespace staffeln::core
