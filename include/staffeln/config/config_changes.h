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
};

std::vector<OptionChange> config_changes(const Config& before, const Config& after);

}  // namespace staffeln::config
