// Retention rules ("grandfather-father-son"): `last=3,daily=7,weekly=4,monthly=12,yearly=2`, any
// non-empty subset in any order, each rule at most once, each count an integer 1..kMaxRuleCount.
// parse_retention_rules is pure; its errors name the part at fault. The planner
// (retention_planner.h) keeps the newest backup of each of the newest `count` calendar buckets.
#pragma once

#include "staffeln/result.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace staffeln::core {

enum class RuleKind : std::uint8_t { last, daily, weekly, monthly, yearly };
inline constexpr std::size_t kRuleKinds = 5;
inline constexpr std::uint32_t kMaxRuleCount = 100000;  // > 270 years of daily buckets

const char* rule_name(RuleKind kind);

struct RetentionRules {
    std::array<std::uint32_t, kRuleKinds> count{};  // 0: the rule is not set
    std::uint32_t operator[](RuleKind k) const { return count[static_cast<std::size_t>(k)]; }
    bool empty() const;
    bool operator==(const RetentionRules&) const = default;
};

// Either the rules, or invalid_input, e.g. "retention policy 'daily=7,hourly=2': unknown rule
// 'hourly' (expected last, daily, weekly, monthly or yearly)".
Result<RetentionRules> parse_retention_rules(std::string_view text);

// The canonical text ("last=3,daily=7"), rules in the order last, daily, weekly, monthly, yearly.
std::string format_retention_rules(const RetentionRules& rules);

// The union of two rule sets: a backup either keeps is kept, so each count is the larger.
RetentionRules merge(const RetentionRules& a, const RetentionRules& b);

}  // namespace staffeln::core
