// `staffeln restore --cloud NAME` (docs/restore.md#another-cloud): where a server recorded on one
// cloud goes on another. Pure: the shell lists the target cloud's projects (Keystone) and flavors
// (Nova) and passes the operator's maps; the answer is the mapping, or an error naming each
// project, flavor or network that does not map. Networks map only as given (--map-network):
// staffeln does not query the network service (Neutron), so it cannot look a name up there.
#pragma once

#include "staffeln/core/flavor_match.h"
#include "staffeln/core/server_definition.h"
#include "staffeln/result.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace staffeln::core {

// --map-project OLD=NEW and --map-network OLD=NEW as given, OLD -> NEW. Refused, naming the
// option and the value: no "=", an empty side, or the same OLD twice.
Result<std::map<std::string, std::string>> parse_name_maps(std::string_view option,
                                                           const std::vector<std::string>& given);

struct TargetCloud {
    std::string name;               // --cloud, for messages
    std::vector<Project> projects;  // Keystone's listing
    std::vector<FlavorOffer> flavors;
};

struct MapOptions {
    std::map<std::string, std::string> projects;  // --map-project: source project ID or name -> target ID or name
    std::map<std::string, std::string> networks;  // --map-network: source network name -> target network ID
    std::string flavor;                           // --flavor: target flavor ID or name; "" maps the recorded one
    bool boot = false;                            // --recreate-server: the flavor and networks must map too
};

struct CloudMapping {
    std::string project_id;                       // where the volumes (and the server) are made
    std::string flavor_id;                        // "" without boot
    std::map<std::string, std::string> networks;  // source network name -> target network ID (with boot)
    std::vector<std::string> notes;               // what differs from the recorded server
};

struct MappingOutcome {
    std::optional<CloudMapping> mapping;  // nullopt when anything does not map
    std::vector<std::string> errors;      // one per project, flavor or network that does not map
};

// source_project_name: the recorded project's name on its own cloud, "" when unknown. The project
// maps by --map-project (keyed by its ID or name), else to the same ID (one Keystone for both
// clouds), else to the one project of the same name; the flavor by --flavor, else by the recorded
// name (IDs differ between clouds), else by vCPUs, RAM and disk; each network by --map-network.
MappingOutcome map_to_cloud(const ServerDefinition& source, const std::string& source_project_name,
                            const TargetCloud& target, const MapOptions& options);

}  // namespace staffeln::core
