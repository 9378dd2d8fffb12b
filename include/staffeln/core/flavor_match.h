// Which of a cloud's flavors a recorded server boots with (docs/restore.md): the one --flavor
// names (ID, then name), else the recorded one by ID (on the cloud it was recorded on only: IDs
// mean nothing on another) and by name, else one of the recorded vCPUs, RAM and disk. Pure.
#pragma once

#include "staffeln/core/server_definition.h"

#include <optional>
#include <string>
#include <vector>

namespace staffeln::core {

// A flavor as Nova's flavor listing shows it.
struct FlavorOffer {
    std::string id;
    std::string name;
    std::int64_t vcpus = 0;
    std::int64_t ram_mb = 0;
    std::int64_t disk_gb = 0;
};

struct FlavorChoice {
    std::optional<FlavorOffer> flavor;  // nullopt: refused, refusal says why
    std::string refusal;
    std::string note;  // chosen by size alone: what it stands in for
};

enum class FlavorIds { match, ignore };  // ignore: the recorded ID is of another cloud

// wanted: --flavor, "" for the recorded one.
FlavorChoice choose_flavor(const ServerFlavor& recorded, const std::vector<FlavorOffer>& flavors,
                           const std::string& wanted, FlavorIds ids = FlavorIds::match);

}  // namespace staffeln::core
