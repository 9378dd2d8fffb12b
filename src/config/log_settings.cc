#include "staffeln/config/log_settings.h"

#include <array>
#include <cctype>
#include <utility>

namespace staffeln::config {
namespace {

// oslo.log's list of valid facilities (its _find_facility), with syslog.h's numbers.
constexpr std::array<std::pair<std::string_view, int>, 20> kFacilities{{
    {"LOG_KERN", 0},      {"LOG_USER", 1},    {"LOG_MAIL", 2},    {"LOG_DAEMON", 3},  {"LOG_AUTH", 4},
    {"LOG_SYSLOG", 5},    {"LOG_LPR", 6},     {"LOG_NEWS", 7},    {"LOG_UUCP", 8},    {"LOG_CRON", 9},
    {"LOG_AUTHPRIV", 10}, {"LOG_FTP", 11},    {"LOG_LOCAL0", 16}, {"LOG_LOCAL1", 17}, {"LOG_LOCAL2", 18},
    {"LOG_LOCAL3", 19},   {"LOG_LOCAL4", 20}, {"LOG_LOCAL5", 21}, {"LOG_LOCAL6", 22}, {"LOG_LOCAL7", 23},
}};

}  // namespace

std::optional<int> syslog_facility_number(std::string_view name) {
    std::string upper;
    for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!upper.starts_with("LOG_")) upper = "LOG_" + upper;
    for (const auto& [known, number] : kFacilities)
        if (upper == known) return number;
    return std::nullopt;
}

log::Settings log_settings(const Config& config, const std::string& program) {
    const auto& d = config.defaults;
    return {.file = d.log_file,
            .use_stderr = d.use_stderr,
            .use_journal = d.use_journal,
            .use_syslog = d.use_syslog,
            .use_json = d.use_json,
            .syslog_facility = syslog_facility_number(d.syslog_log_facility).value_or(1),
            .program = program};
}

}  // namespace staffeln::config
