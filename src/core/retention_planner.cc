#include "staffeln/core/retention_planner.h"

#include "staffeln/core/backup_chain.h"
#include "staffeln/core/backup_tag.h"
#include "staffeln/core/calendar_bucket.h"
#include "staffeln/core/server_metadata.h"
#include "staffeln/core/server_selection.h"
#include "staffeln/duration.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>
#include <tuple>

namespace staffeln::core {
namespace {

using std::chrono::seconds;
constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
static_assert(sizeof(RetentionDecision) == 32, "a plan holds one decision per backup: keep it small");
constexpr std::uint8_t kNoRule = std::numeric_limits<std::uint8_t>::max();

struct VolumePolicy {
    seconds retention{0};
    std::int32_t server = -1;
    bool tagged = false;
    RetentionRules rules;            // empty: age alone
    std::int32_t rules_server = -1;  // -1: retention_policy
};

class RetentionPlanner {
public:
    RetentionPlanner(const RetentionInput& in, const RetentionPolicy& p, TimePoint now)
        : in_(in), policy_(p), now_(now), retention_time_(now - calendar_before(now, p.retention_time)) {}

    RetentionPlan run() {
        index_volume_policies();
        index_closed_tasks();
        auto order = group_order();
        for (std::size_t g = 0; g < in_.groups.size(); ++g) {
            auto members = std::span(order.indices).subspan(order.start[g], order.start[g + 1] - order.start[g]);
            // Rule 7. Its records still name listed backups: matched, so that none is taken as gone.
            if (!policy_.scope.decide(in_.groups[g].project_id).in_scope)
                match_records(members);
            else
                plan_group(members);
        }
        for (std::uint32_t r = 0; r < in_.closed_tasks.size(); ++r)
            if (!record_found_[r] && !in_.closed_tasks[r].backup_id.empty()) plan_.gone.push_back(r);
        return std::move(plan_);
    }

private:
    // Rule 1: the longest valid retention among the servers a volume is attached to. A server's
    // retention value counts whether the server is tagged or not, lower-cased, as upstream reads it
    // (conductor/backup.py, collect_instance_retention_map); its retention policy and the safety
    // floor count only while it is tagged.
    void index_volume_policies() {
        volumes_.reserve(in_.groups.size());
        for (std::size_t s = 0; s < in_.servers.size(); ++s) {
            const Server& server = in_.servers[s];
            const bool tagged = server_wants_backup(server, policy_.backup_metadata_key);
            VolumePolicy mine{retention_time_, -1, tagged, default_rules(), -1};
            if (auto value = server_metadata_value(server, policy_.retention_metadata_key)) {
                auto parsed = parse_duration(ascii_lower(*value));
                if (!parsed.ok())
                    warn(server, *value, parsed.error().message);
                else if (*parsed > kMaxRetention)
                    warn(server, *value, fmt::format("it is longer than {}", format_duration(kMaxRetention)));
                else {
                    // y and mon are calendar years and months back from now, as upstream's
                    // relativedelta counts them (common/time.py, timeago).
                    auto calendar = parse_calendar_duration(ascii_lower(*value));
                    mine.retention = now_ - calendar_before(now_, *calendar);
                    mine.server = static_cast<std::int32_t>(s);
                }
            }
            if (!tagged && mine.server < 0) continue;  // nothing of an untagged server's counts
            if (auto value = tagged ? server_metadata_value(server, policy_.rules_metadata_key) : nullptr) {
                auto parsed = parse_retention_rules(*value);
                if (!parsed.ok())
                    warn_rules(server, *value, parsed.error().message);
                else {
                    mine.rules = *parsed;
                    mine.rules_server = static_cast<std::int32_t>(s);
                }
            }
            for (const auto& volume_id : server.volume_ids) {
                auto [it, fresh] = volumes_.try_emplace(volume_id, mine);
                if (fresh) continue;
                VolumePolicy& v = it->second;
                if (mine.retention > v.retention) {
                    v.retention = mine.retention;
                    v.server = mine.server;
                }
                v.tagged = v.tagged || mine.tagged;
                // A backup any attached server's rules keep is kept: the union of the rules.
                v.rules = merge(v.rules, mine.rules);
                if (mine.rules_server >= 0) v.rules_server = mine.rules_server;
            }
        }
    }

    RetentionRules default_rules() const { return policy_.rules.value_or(RetentionRules{}); }

    void warn_rules(const Server& server, const std::string& value, const std::string& why) {
        auto fallback = policy_.rules ? fmt::format("retention_policy '{}'", format_retention_rules(*policy_.rules))
                                      : std::string("no retention policy");
        plan_.warnings.push_back(
            {server.id, server.name, value,
             fmt::format("server {} ({}): retention policy metadata {}='{}' is ignored ({}); "
                         "using {}",
                         server.name, server.id, policy_.rules_metadata_key, value, why, fallback)});
    }

    void warn(const Server& server, const std::string& value, const std::string& why) {
        plan_.warnings.push_back(
            {server.id, server.name, value,
             fmt::format("server {} ({}): retention metadata {}='{}' is ignored ({}); using retention_time {}",
                         server.name, server.id, policy_.retention_metadata_key, value, why,
                         format_calendar_duration(policy_.retention_time))});
    }

    void index_closed_tasks() {
        record_found_.assign(in_.closed_tasks.size(), false);
        for (std::uint32_t r = 0; r < in_.closed_tasks.size(); ++r)
            if (!in_.closed_tasks[r].backup_id.empty()) records_of_volume_[in_.closed_tasks[r].volume_id].push_back(r);
    }

    struct GroupOrder {
        std::vector<std::uint32_t> indices;  // backups bucketed by group, each bucket in chain order
        std::vector<std::size_t> start;      // bucket g is [start[g], start[g + 1])
    };

    GroupOrder group_order() const {
        GroupOrder o;
        o.start.assign(in_.groups.size() + 1, 0);
        for (const auto& b : in_.backups) ++o.start[b.group + 1];
        for (std::size_t g = 0; g < in_.groups.size(); ++g) o.start[g + 1] += o.start[g];
        o.indices.resize(in_.backups.size());
        auto next = o.start;
        for (std::uint32_t i = 0; i < in_.backups.size(); ++i) o.indices[next[in_.backups[i].group]++] = i;
        for (std::size_t g = 0; g < in_.groups.size(); ++g)
            std::sort(o.indices.begin() + o.start[g], o.indices.begin() + o.start[g + 1],
                      [this](auto a, auto b) { return comes_before(node(a), node(b)); });
        return o;
    }

    ChainNode node(std::uint32_t i) const {
        const auto& b = in_.backups[i];
        bool parent_ok = b.state != BackupState::error && b.state != BackupState::creating;
        return {b.id, b.data_timestamp, b.created_at, b.is_incremental, parent_ok};
    }

    VolumePolicy policy_for(std::uint32_t group) const {
        auto it = volumes_.find(in_.groups[group].volume_id);
        return it == volumes_.end() ? VolumePolicy{retention_time_, -1, false, default_rules(), -1} : it->second;
    }

    void plan_group(std::span<const std::uint32_t> members) {
        if (members.empty()) return;
        nodes_.clear();
        for (auto i : members) nodes_.push_back(node(i));
        parent_ = infer_parents(nodes_);
        const std::size_t n = members.size();
        has_child_.assign(n, false);
        needed_by_.assign(n, kNone);
        child_wave_.assign(n, 0);
        for (std::size_t i = 0; i < n; ++i)
            if (parent_[i] != kNoParent) has_child_[parent_[i]] = true;
        VolumePolicy vp = policy_for(in_.backups[members[0]].group);
        mark_floor(members, vp);
        match_records(members);
        mark_rules(members, vp);
        for (std::size_t i = n; i-- > 0;) decide(members, i, vp);
    }

    // Rule 4: the candidates newest first (by created_at, whatever the chain order); each rule
    // takes the first candidate of each new bucket until it has its count.
    void mark_rules(std::span<const std::uint32_t> members, const VolumePolicy& vp) {
        rule_kind_.assign(members.size(), kNoRule);
        rule_bucket_.assign(members.size(), 0);
        if (vp.rules.empty()) return;
        candidates_.clear();
        for (std::size_t i = 0; i < members.size(); ++i) {
            const auto& b = in_.backups[members[i]];
            if (b.made_by_staffeln && b.state == BackupState::available && !closed_record(i, b))
                candidates_.push_back(i);
        }
        std::sort(candidates_.begin(), candidates_.end(), [&](std::size_t a, std::size_t b) {
            return std::tie(in_.backups[members[b]].created_at, b) < std::tie(in_.backups[members[a]].created_at, a);
        });
        std::array<std::uint32_t, kRuleKinds> used{};
        std::array<std::int64_t, kRuleKinds> last{};
        for (auto i : candidates_) {
            TimePoint created = in_.backups[members[i]].created_at;
            const auto offset = policy_.timezone.offset_at(created);
            for (std::size_t k = 0; k < kRuleKinds; ++k) {
                if (used[k] >= vp.rules.count[k]) continue;
                auto kind = static_cast<RuleKind>(k);
                std::int64_t bucket = used[k] + 1;
                if (kind != RuleKind::last) {
                    bucket = calendar_bucket(kind, created, offset);
                    if (used[k] > 0 && bucket == last[k]) continue;
                }
                last[k] = bucket;
                ++used[k];
                if (rule_kind_[i] != kNoRule) continue;  // the first rule that keeps it names it
                rule_kind_[i] = static_cast<std::uint8_t>(k);
                rule_bucket_[i] = static_cast<std::int32_t>(bucket);
            }
        }
    }

    // Rule 3: the newest available staffeln backup and everything it depends on.
    void mark_floor(std::span<const std::uint32_t> members, const VolumePolicy& vp) {
        floor_.assign(members.size(), false);
        if (!policy_.safety_floor || !vp.tagged) return;
        std::size_t at = newest_available_own(members);
        for (; at != kNoParent; at = parent_[at]) floor_[at] = true;
    }

    std::size_t newest_available_own(std::span<const std::uint32_t> members) const {
        for (std::size_t i = members.size(); i-- > 0;) {
            const auto& b = in_.backups[members[i]];
            // A backup being restored is whole: its chain is the floor, not an older one.
            if (b.made_by_staffeln && (b.state == BackupState::available || b.state == BackupState::restoring))
                return i;
        }
        return kNoParent;
    }

    void decide(std::span<const std::uint32_t> members, std::size_t i, const VolumePolicy& vp) {
        const std::uint32_t index = members[i];
        const RetentionBackup& b = in_.backups[index];
        RetentionDecision d{.backup = index, .policy_server = vp.server, .retention = vp.retention};
        d.reason = RetentionReason::within_retention;
        auto record = closed_record(i, b);
        if (!b.made_by_staffeln) return keep_silently(members, i);
        if (b.state == BackupState::deleting)
            d.reason = RetentionReason::busy;
        else if (record || b.state == BackupState::error)
            return decide_failed(members, i, d, record);
        else if (now_ - b.created_at <= vp.retention)
            d.reason = RetentionReason::within_retention;
        else if (rule_kind_[i] != kNoRule) {
            d.reason = RetentionReason::rule;
            d.rule = static_cast<RuleKind>(rule_kind_[i]);
            d.bucket = rule_bucket_[i];
            d.related = vp.rules_server < 0 ? kRulesFromConfig : static_cast<std::uint32_t>(vp.rules_server);
        } else if (floor_[i])
            d.reason = RetentionReason::safety_floor;
        else if (needed_by_[i] != kNone)
            d.reason = RetentionReason::needed_by_kept;
        else if (b.state != BackupState::available)
            d.reason = RetentionReason::busy;
        else if (b.has_dependent_backups && !has_child_[i])
            d.reason = RetentionReason::dependents_unseen;
        else
            return remove(i, d, RetentionReason::expired);
        keep(members, i, d);
    }

    // Rule 4: failed work goes whatever its age, unless something kept depends on it.
    void decide_failed(std::span<const std::uint32_t> members, std::size_t i, RetentionDecision d,
                       std::optional<std::uint32_t> record) {
        const RetentionBackup& b = in_.backups[members[i]];
        if (needed_by_[i] != kNone) {
            d.reason = RetentionReason::needed_by_kept;
            return keep(members, i, d);
        }
        if (b.state != BackupState::error && b.state != BackupState::available && b.state != BackupState::creating) {
            d.reason = RetentionReason::busy;
            return keep(members, i, d);
        }
        d.force = b.state == BackupState::creating;
        if (record) d.related = *record;
        remove(i, d, record ? RetentionReason::closed_task : RetentionReason::error_status);
    }

    // Records are matched per volume, not per backup: one lookup per group instead of one per
    // backup. Within the group, by the backups' ids: a succeeded record stays as long as its
    // backup, so a volume has about as many records as backups, and comparing each with each
    // made the plan of a volume quadratic in its backups.
    void match_records(std::span<const std::uint32_t> members) {
        record_at_.assign(members.size(), kNone);
        auto it = records_of_volume_.find(in_.groups[in_.backups[members[0]].group].volume_id);
        if (it == records_of_volume_.end()) return;
        position_of_.clear();
        for (std::size_t i = 0; i < members.size(); ++i) position_of_.emplace(in_.backups[members[i]].id, i);
        for (auto r : it->second)
            if (auto at = position_of_.find(in_.closed_tasks[r].backup_id); at != position_of_.end()) {
                record_at_[at->second] = r;
                record_found_[r] = true;
            }
    }

    // A failed or cancelled task's record naming this backup, if the backup carries a tag.
    std::optional<std::uint32_t> closed_record(std::size_t i, const RetentionBackup& b) const {
        if (record_at_[i] == kNone || !b.made_by_staffeln) return std::nullopt;
        auto status = in_.closed_tasks[record_at_[i]].status;
        if (status != TaskStatus::failed && status != TaskStatus::cancelled) return std::nullopt;
        return record_at_[i];
    }

    void keep_silently(std::span<const std::uint32_t> members, std::size_t i) {
        if (parent_[i] != kNoParent && needed_by_[parent_[i]] == kNone) needed_by_[parent_[i]] = members[i];
    }

    void keep(std::span<const std::uint32_t> members, std::size_t i, RetentionDecision d) {
        if (d.reason == RetentionReason::needed_by_kept) d.related = needed_by_[i];
        keep_silently(members, i);
        plan_.keeps.push_back(d);
    }

    void remove(std::size_t i, RetentionDecision d, RetentionReason why) {
        d.reason = why;
        d.wave = child_wave_[i];
        if (parent_[i] != kNoParent) child_wave_[parent_[i]] = std::max(child_wave_[parent_[i]], d.wave + 1);
        plan_.deletes.push_back(d);
    }

    const RetentionInput& in_;
    const RetentionPolicy& policy_;
    TimePoint now_;
    seconds retention_time_;  // retention_time counted back from now_
    RetentionPlan plan_;
    std::unordered_map<std::string_view, VolumePolicy> volumes_;
    std::unordered_map<std::string_view, std::vector<std::uint32_t>> records_of_volume_;  // closed tasks
    std::vector<bool> record_found_;
    // Per-group scratch, reused across groups; positions are within the group's chain order.
    std::vector<ChainNode> nodes_;
    std::vector<std::size_t> parent_;
    std::vector<bool> has_child_;
    std::vector<bool> floor_;
    std::vector<std::uint32_t> record_at_;   // the closed task naming this backup
    std::vector<std::uint32_t> needed_by_;   // the kept backup that depends on this one
    std::vector<std::uint32_t> child_wave_;  // 1 + the highest wave of a deleted dependent
    std::vector<std::size_t> candidates_;    // rule 4: positions a retention rule may keep
    std::vector<std::uint8_t> rule_kind_;    // the first rule that keeps it, or kNoRule
    std::vector<std::int32_t> rule_bucket_;

    std::unordered_map<std::string_view, std::size_t> position_of_;  // match_records: backup id -> position
};

std::string source(const RetentionDecision& d, const RetentionInput& in) {
    if (d.policy_server < 0) return "retention_time";
    return fmt::format("server {}'s retention metadata", in.servers[static_cast<std::size_t>(d.policy_server)].name);
}

std::string rule_text(const RetentionDecision& d, const RetentionInput& in) {
    auto bucket = d.rule == RuleKind::last ? fmt::format("{}", d.bucket) : bucket_label(d.rule, d.bucket);
    if (d.related == kRulesFromConfig) return fmt::format("{} {} (retention_policy)", rule_name(d.rule), bucket);
    return fmt::format("{} {} (server {}'s retention policy metadata)", rule_name(d.rule), bucket,
                       in.servers[d.related].name);
}

}  // namespace

const char* to_string(BackupState s) {
    switch (s) {
        case BackupState::available:
            return "available";
        case BackupState::creating:
            return "creating";
        case BackupState::error:
            return "error";
        case BackupState::deleting:
            return "deleting";
        case BackupState::restoring:
            return "restoring";
        case BackupState::other:
            return "other";
    }
    return "other";
}

BackupState backup_state(std::string_view s) {
    if (s == "available") return BackupState::available;
    if (s == "creating") return BackupState::creating;
    if (s == "error") return BackupState::error;
    if (s == "deleting") return BackupState::deleting;
    if (s == "restoring") return BackupState::restoring;
    return BackupState::other;
}

void RetentionInputBuilder::add_backup(const Backup& backup) {
    std::string key = backup.volume_id + '\n' + backup.project_id;
    auto [it, fresh] = group_of_.try_emplace(std::move(key), static_cast<std::uint32_t>(input_.groups.size()));
    if (fresh) input_.groups.push_back({backup.volume_id, backup.project_id});
    input_.backups.push_back({backup.id, it->second, backup_state(backup.status), backup.is_incremental,
                              backup.has_dependent_backups, made_by_staffeln(backup), backup.created_at,
                              backup.data_timestamp});
}

RetentionPlan plan_retention(const RetentionInput& input, const RetentionPolicy& policy, TimePoint now) {
    return RetentionPlanner(input, policy, now).run();
}

std::string retention_text(seconds retention) {
    if (retention < std::chrono::days(30)) return format_duration(retention);
    auto days = retention.count() / 86400;
    auto rest = seconds(retention.count() % 86400);
    return rest.count() == 0 ? fmt::format("{}d", days) : fmt::format("{}d{}", days, format_duration(rest));
}

std::string describe(const RetentionDecision& d, const RetentionInput& in, TimePoint now) {
    const RetentionBackup& b = in.backups[d.backup];
    auto head = fmt::format("backup {} of volume {}", b.id, in.groups[b.group].volume_id);
    auto age = format_duration(std::chrono::duration_cast<seconds>(now - b.created_at));
    auto limit = fmt::format("{} ({})", retention_text(d.retention), source(d, in));
    switch (d.reason) {
        case RetentionReason::expired:
            return fmt::format("delete {} (wave {}): age {} exceeds retention {}", head, d.wave, age, limit);
        case RetentionReason::error_status:
            return fmt::format("delete {} (wave {}): staffeln backup in error", head, d.wave);
        case RetentionReason::closed_task: {
            const auto& t = in.closed_tasks[d.related];
            return fmt::format("delete {} (wave {}{}): backup of {} task {}", head, d.wave, d.force ? ", force" : "",
                               to_string(t.status), t.task_id);
        }
        case RetentionReason::within_retention:
            return fmt::format("keep {}: age {} within retention {}", head, age, limit);
        case RetentionReason::safety_floor:
            return fmt::format(
                "keep {}: safety floor, newest available chain of a volume whose server is still "
                "tagged (age {} exceeds retention {})",
                head, age, limit);
        case RetentionReason::needed_by_kept:
            return fmt::format("keep {}: age {} exceeds retention {}, but kept backup {} depends on it", head, age,
                               limit, in.backups[d.related].id);
        case RetentionReason::busy:
            return fmt::format("keep {}: status {} forbids a delete now; retried next cycle", head, to_string(b.state));
        case RetentionReason::dependents_unseen:
            return fmt::format("keep {}: Cinder reports dependent backups that its listing does not show", head);
        case RetentionReason::rule:
            return fmt::format("keep {}: {}; age {} exceeds retention {}", head, rule_text(d, in), age, limit);
    }
    return head;
}

}  // namespace staffeln::core
