#include "staffeln/core/retention_explanation.h"

#include "staffeln/core/calendar_bucket.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace staffeln::core {
namespace {

std::string retention_source(const RetentionDecision& d, const RetentionInput& in) {
    if (d.policy_server < 0) return "retention_time";
    return fmt::format("server {}'s retention", in.servers[static_cast<std::size_t>(d.policy_server)].name);
}

std::string rule_source(const RetentionDecision& d, const RetentionInput& in) {
    if (d.related == kRulesFromConfig) return {};
    return fmt::format(" (server {}'s retention policy)", in.servers[d.related].name);
}

}  // namespace

std::string reason_text(const RetentionDecision& d, const RetentionInput& in) {
    const auto retention = fmt::format("{} ({})", retention_text(d.retention), retention_source(d, in));
    switch (d.reason) {
        case RetentionReason::expired:
            return fmt::format("expired: older than {}", retention);
        case RetentionReason::error_status:
            return "in error";
        case RetentionReason::closed_task: {
            const auto& t = in.closed_tasks[d.related];
            return fmt::format("backup of {} task {}{}", to_string(t.status), t.task_id, d.force ? ", force" : "");
        }
        case RetentionReason::within_retention:
            return fmt::format("within {}", retention);
        case RetentionReason::safety_floor:
            return "safety floor";
        case RetentionReason::needed_by_kept:
            return fmt::format("parent of a kept incremental ({})", in.backups[d.related].id);
        case RetentionReason::busy:
            return fmt::format("status {}: retried next cycle", to_string(in.backups[d.backup].state));
        case RetentionReason::dependents_unseen:
            return "Cinder reports dependents its listing does not show";
        case RetentionReason::rule: {
            auto bucket = d.rule == RuleKind::last ? fmt::format("{}", d.bucket) : bucket_label(d.rule, d.bucket);
            return fmt::format("{} {}{}", rule_name(d.rule), bucket, rule_source(d, in));
        }
    }
    return "kept";
}

std::vector<ExplainedBackup> explain_group(const RetentionInput& in, const RetentionPlan& plan, std::uint32_t group,
                                           const ScopeDecision& scope) {
    std::unordered_map<std::uint32_t, ExplainedBackup> decided;
    for (const auto& d : plan.deletes)
        if (in.backups[d.backup].group == group) decided[d.backup] = {d.backup, Verdict::deleted, reason_text(d, in)};
    for (const auto& d : plan.keeps)
        if (in.backups[d.backup].group == group) decided[d.backup] = {d.backup, Verdict::kept, reason_text(d, in)};
    std::vector<ExplainedBackup> out;
    for (std::uint32_t i = 0; i < in.backups.size(); ++i) {
        const auto& b = in.backups[i];
        if (b.group != group) continue;
        if (!b.made_by_staffeln)
            out.push_back({i, Verdict::kept, "not staffeln's: never deleted"});
        else if (!scope.in_scope)
            out.push_back({i, Verdict::kept, "project out of scope: " + describe(scope)});
        else if (auto it = decided.find(i); it != decided.end())
            out.push_back(std::move(it->second));
    }
    std::sort(out.begin(), out.end(), [&](const ExplainedBackup& a, const ExplainedBackup& b) {
        const auto& x = in.backups[a.backup];
        const auto& y = in.backups[b.backup];
        return std::tie(y.created_at, y.id) < std::tie(x.created_at, x.id);
    });
    return out;
}

std::string explain_heading(const RetentionInput& in, std::uint32_t group,
                            const std::vector<ExplainedBackup>& explained) {
    auto deleted = std::count_if(explained.begin(), explained.end(),
                                 [](const ExplainedBackup& e) { return e.verdict == Verdict::deleted; });
    auto kept = static_cast<std::ptrdiff_t>(explained.size()) - deleted;
    return fmt::format("volume {} in project {}: {} backup{}, {} kept, {} deleted", in.groups[group].volume_id,
                       in.groups[group].project_id, explained.size(), explained.size() == 1 ? "" : "s", kept, deleted);
}

std::string explain_line(const ExplainedBackup& e, const RetentionInput& in) {
    const auto& b = in.backups[e.backup];
    return fmt::format("  {:%Y-%m-%d %H:%M}  {:<11}  {:<9}  {}  {:<7}  {}", b.created_at,
                       b.is_incremental ? "incremental" : "full", to_string(b.state), b.id,
                       e.verdict == Verdict::kept ? "kept" : "deleted", e.why);
}

}  // namespace staffeln::core
