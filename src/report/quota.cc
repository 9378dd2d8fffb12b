#include "staffeln/report/quota.h"

namespace staffeln::report {
namespace {

constexpr double kWarningAbove = 50.0;
constexpr double kCriticalAbove = 80.0;

}  // namespace

QuotaView describe_quota(const std::optional<QuotaUsage>& usage) {
    QuotaView view{usage, QuotaLevel::unknown, 0};
    if (!usage) return view;
    if (usage->limit <= 0) {
        view.level = QuotaLevel::unlimited;
        return view;
    }
    view.usage_percent = 100.0 * static_cast<double>(usage->in_use + usage->reserved) / static_cast<double>(usage->limit);
    view.level = view.usage_percent > kCriticalAbove  ? QuotaLevel::critical
                 : view.usage_percent > kWarningAbove ? QuotaLevel::warning
                                                      : QuotaLevel::normal;
    return view;
}

const char* to_string(QuotaLevel level) {
    switch (level) {
        case QuotaLevel::unknown: return "unknown";
        case QuotaLevel::unlimited: return "unlimited";
        case QuotaLevel::normal: return "normal";
        case QuotaLevel::warning: return "warning";
        case QuotaLevel::critical: return "critical";
    }
    return "unknown";
}

std::string css_class(QuotaLevel level) { return std::string("quota-") + to_string(level); }

}  // namespace staffeln::report
