// How a report shows the backup_gigabytes quota: limit, in use, reserved, and the share of the
// limit taken (in use + reserved), coloured above 50 % and 80 %. A limit of -1 or 0 means
// unlimited and is never divided by; a quota the cloud did not give is shown as unknown.
#pragma once

#include "staffeln/model.h"

#include <optional>
#include <string>

namespace staffeln::report {

enum class QuotaLevel { unknown, unlimited, normal, warning, critical };

struct QuotaView {
    std::optional<QuotaUsage> usage;
    QuotaLevel level = QuotaLevel::unknown;
    double usage_percent = 0;  // meaningful for normal, warning and critical only
};

QuotaView describe_quota(const std::optional<QuotaUsage>& usage);

// The CSS class the HTML template colours by: "quota-unknown", "quota-normal", ...
std::string css_class(QuotaLevel level);
const char* to_string(QuotaLevel level);

}  // namespace staffeln::report
