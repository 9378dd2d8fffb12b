// What differs between two configurations, option by option, for the log of a reload: the
// values as `config show` prints them (secrets masked), in the options table's order.
#pragma once

#include "staffeln/config/config.h"

#include <string>
#include <string_view>
#include <vector>

namespace staffeln::config {

struct OptionChange {
    std::string_view section;
    std::string_view name;
    std::string before;
    std::string after;
    bool waits_for_restart = false;  // its section is read at start only (read_at_start_only)
};

std::vector<OptionChange> config_changes(const Config& before, const Config& after);

// Sections the conductor reads once, at start: the store ([database]), the locks
// ([coordination]), the cloud's session ([openstack]); [api] belongs to another process.
// A reload logs their changes and keeps the running values.
bool read_at_start_only(std::string_view section);
// Options of other sections read at start only: [conductor] metrics_listen (its listener is bound once).
bool read_at_start_only(std::string_view section, std::string_view name);

// fresh with every read_at_start_only section and option as it is in running.
void keep_start_only_sections(const Config& running, Config& fresh);

}  // namespace staffeln::config
