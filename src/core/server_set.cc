#include "staffeln/core/server_set.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace staffeln::core {
namespace {

std::string volume_label(const SetMember& m) {
    return m.volume_name.empty() ? m.volume_id : fmt::format("{} ({})", m.volume_name, m.volume_id);
}

// Why a member breaks its set's moment, "" when it does not.
std::string gap_of(const SetMember& m) {
    switch (m.status) {
        case TaskStatus::failed:
        case TaskStatus::cancelled:
            return m.note.empty() ? std::string(to_string(m.status))
                                  : fmt::format("{}: {}", to_string(m.status), m.note);
        case TaskStatus::succeeded:
            // In volume mode every backup is of its own moment; a note there is not a gap.
            return m.mode == BackupMode::snapshot ? m.note : std::string();
        case TaskStatus::pending:
        case TaskStatus::in_flight:
            return "not finished";
    }
    return {};
}

ServerSet make_set(std::vector<const SetMember*> group) {
    std::sort(group.begin(), group.end(), [](const SetMember* a, const SetMember* b) {
        return std::tie(a->volume_name, a->volume_id, a->started_at) <
               std::tie(b->volume_name, b->volume_id, b->started_at);
    });
    const SetMember& first = *group.front();
    ServerSet set{
        first.set_id, first.server_id, first.server_name, first.mode, first.started_at, {}, {}, {}, 0, false, {}};
    for (const SetMember* m : group) {
        set.started_at = std::min(set.started_at, m->started_at);
        SetVolume v{m->volume_id, m->volume_name, m->status, std::nullopt, gap_of(*m)};
        if (m->status == TaskStatus::succeeded && m->data_time) {
            v.data_time = m->data_time;
            set.data_from = set.data_from ? std::min(*set.data_from, *m->data_time) : *m->data_time;
            set.data_to = set.data_to ? std::max(*set.data_to, *m->data_time) : *m->data_time;
        }
        if (!v.gap.empty()) set.reasons.push_back(fmt::format("volume {}: {}", volume_label(*m), v.gap));
        set.volumes.push_back(std::move(v));
    }
    set.unaccounted = std::max(0, first.set_volumes - static_cast<int>(group.size()));
    if (set.unaccounted > 0)
        set.reasons.push_back(fmt::format(
            "{} of its {} volumes {} no finished backup in this set (not sent: the cycle stopped or the volume "
            "was locked elsewhere, see the conductor's log; or still running)",
            set.unaccounted, first.set_volumes, set.unaccounted == 1 ? "has" : "have"));
    set.partial = !set.reasons.empty();
    return set;
}

}  // namespace

std::vector<ServerSet> server_sets(const std::vector<SetMember>& members, std::chrono::seconds cycle_span) {
    std::map<std::string, std::vector<const SetMember*>> recorded;
    std::map<std::string, std::vector<const SetMember*>> unrecorded;  // by server
    for (const auto& m : members) (m.set_id.empty() ? unrecorded[m.server_id] : recorded[m.set_id]).push_back(&m);
    std::vector<ServerSet> sets;
    for (auto& [id, group] : recorded) sets.push_back(make_set(std::move(group)));
    for (auto& [server, group] : unrecorded) {
        std::stable_sort(group.begin(), group.end(),
                         [](const SetMember* a, const SetMember* b) { return a->started_at < b->started_at; });
        for (std::size_t from = 0; from < group.size();) {
            std::size_t to = from + 1;
            while (to < group.size() && group[to]->started_at - group[from]->started_at <= cycle_span) ++to;
            sets.push_back(make_set(
                {group.begin() + static_cast<std::ptrdiff_t>(from), group.begin() + static_cast<std::ptrdiff_t>(to)}));
            from = to;
        }
    }
    std::sort(sets.begin(), sets.end(), [](const ServerSet& a, const ServerSet& b) {
        return std::tie(a.server_name, a.server_id, a.started_at, a.set_id) <
               std::tie(b.server_name, b.server_id, b.started_at, b.set_id);
    });
    return sets;
}

std::optional<std::chrono::seconds> data_spread(const ServerSet& set) {
    if (!set.data_from || !set.data_to) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::seconds>(*set.data_to - *set.data_from);
}

}  // namespace staffeln::core
