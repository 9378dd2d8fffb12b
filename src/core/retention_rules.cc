#include "staffeln/core/retention_rules.h"

#include <fmt/format.h>

#include <algorithm>

namespace staffeln::core {
namespace {

constexpr std::array<const char*, kRuleKinds> kNames{"last", "daily", "weekly", "monthly", "yearly"};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

Error bad(std::string_view text, const std::string& why) {
    return make_error(ErrorKind::invalid_input, fmt::format("retention policy '{}': {}", text, why));
}

// 0 when the text is not a count in 1..kMaxRuleCount.
std::uint32_t parse_count(std::string_view s) {
    if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string_view::npos) return 0;
    std::uint32_t n = 0;
    for (char c : s) n = n * 10 + static_cast<std::uint32_t>(c - '0');
    return n <= kMaxRuleCount ? n : 0;
}

}  // namespace

const char* rule_name(RuleKind kind) { return kNames[static_cast<std::size_t>(kind)]; }

bool RetentionRules::empty() const {
    return std::all_of(count.begin(), count.end(), [](auto c) { return c == 0; });
}

Result<RetentionRules> parse_retention_rules(std::string_view text) {
    RetentionRules rules;
    if (trim(text).empty()) return bad(text, "no rule (expected e.g. last=3,daily=7,weekly=4)");
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = std::min(text.find(',', start), text.size());
        auto part = trim(text.substr(start, end - start));
        start = end + 1;
        if (part.empty()) return bad(text, "empty rule between commas");
        auto eq = part.find('=');
        if (eq == std::string_view::npos)
            return bad(text, fmt::format("rule '{}' has no '=' (expected e.g. daily=7)", part));
        auto name = trim(part.substr(0, eq));
        auto value = trim(part.substr(eq + 1));
        auto known = std::find(kNames.begin(), kNames.end(), name);
        if (known == kNames.end())
            return bad(text, fmt::format("unknown rule '{}' (expected last, daily, weekly, monthly or yearly)", name));
        auto& slot = rules.count[static_cast<std::size_t>(known - kNames.begin())];
        if (slot != 0) return bad(text, fmt::format("rule '{}' is repeated", name));
        slot = parse_count(value);
        if (slot == 0)
            return bad(text, fmt::format("rule '{}' has count '{}' (expected an integer from 1 to {})", name, value,
                                         kMaxRuleCount));
    }
    return rules;
}

std::string format_retention_rules(const RetentionRules& rules) {
    std::string out;
    for (std::size_t k = 0; k < kRuleKinds; ++k) {
        if (rules.count[k] == 0) continue;
        if (!out.empty()) out += ',';
        out += fmt::format("{}={}", kNames[k], rules.count[k]);
    }
    return out;
}

RetentionRules merge(const RetentionRules& a, const RetentionRules& b) {
    RetentionRules out;
    for (std::size_t k = 0; k < kRuleKinds; ++k) out.count[k] = std::max(a.count[k], b.count[k]);
    return out;
}

}  // namespace staffeln::core
