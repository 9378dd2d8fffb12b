// What `staffeln retention explain` and `conductor --dry-run` say of each backup of a volume:
// kept or deleted, and the rule that decided it ("daily 2026-12-03", "last 3", "parent of a kept
// incremental", "safety floor", "expired: older than 2w"), read from the retention planner's
// decisions (retention_planner.h), never decided again here. Pure: plain values in, lines out.
#pragma once

#include "staffeln/core/project_scope.h"
#include "staffeln/core/retention_planner.h"

#include <cstdint>
#include <string>
#include <vector>

namespace staffeln::core {

enum class Verdict : std::uint8_t { kept, deleted };

struct ExplainedBackup {
    std::uint32_t backup = 0;  // index into RetentionInput::backups
    Verdict verdict = Verdict::kept;
    std::string why;
};

// The short reason of one decision: "daily 2026-12-03", "daily 2026-12-03 (server web's retention
// policy)", "last 3", "within 2w (retention_time)", "expired: older than 2w (retention_time)",
// "parent of a kept incremental", "safety floor", ...
std::string reason_text(const RetentionDecision& decision, const RetentionInput& input);

// Every backup of the group (index into RetentionInput::groups), newest first (created_at, then
// id): a staffeln backup with the plan's decision; a user's "not staffeln's: never deleted"; in a
// project outside the scope, "project out of scope: <why>" (the planner decides nothing there).
std::vector<ExplainedBackup> explain_group(const RetentionInput& input, const RetentionPlan& plan, std::uint32_t group,
                                           const ScopeDecision& scope);

// "volume V in project P: 400 backups, 19 kept, 381 deleted"
std::string explain_heading(const RetentionInput& input, std::uint32_t group,
                            const std::vector<ExplainedBackup>& explained);

// "  2026-12-03 10:00  full         available  ID  kept     daily 2026-12-03" (UTC). Cloud strings
// (ids) are as they came: the caller writes the line with print_line, which escapes them.
std::string explain_line(const ExplainedBackup& explained, const RetentionInput& input);

}  // namespace staffeln::core
