#include "staffeln/config/config_changes.h"

#include "staffeln/config/options.h"

namespace staffeln::config {

std::vector<OptionChange> config_changes(const Config& before, const Config& after) {
    std::vector<OptionChange> out;
    for (const auto& option : options()) {
        if (std::holds_alternative<Ignored>(option.target)) continue;
        if (option.section == "conductor" && option.name == "backup_cycle_timeout") continue;  // alias
        if (option_value(before, option) == option_value(after, option)) continue;
        out.push_back({option.section, option.name, shown_option_value(before, option),
                       shown_option_value(after, option),
                       read_at_start_only(option.section) || read_at_start_only(option.section, option.name)});
    }
    return out;
}

bool read_at_start_only(std::string_view section) {
    return section == "database" || section == "coordination" || section == "openstack" || section == "api";
}

bool read_at_start_only(std::string_view section, std::string_view name) {
    return section == "conductor" && name == "metrics_listen";
}

void keep_start_only_sections(const Config& running, Config& fresh) {
    fresh.conductor.metrics_listen = running.conductor.metrics_listen;
    fresh.database = running.database;
    fresh.coordination = running.coordination;
    fresh.openstack = running.openstack;
    fresh.api = running.api;
}

}  // namespace staffeln::config
