#include "staffeln/store/upgrade_revision.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <charconv>
#include <string>
#include <vector>

namespace staffeln::store {
namespace {

constexpr std::array kUpstreamRevisions{
    UpstreamRevision{"041d9a0f1159", "Add volume_name and instance_name to queue_data"},
    UpstreamRevision{"ebdbed01e9a7", "Added incremental field"},
    UpstreamRevision{"2b2b9df199bd", "Add reason column to queue_data table"},
    UpstreamRevision{"5b2e78435231", "add report timestamp"},
};

// The store version that first holds everything upstream's revisions add: tasks' volume and server
// names, their kind (full or incremental), last_error (upstream's reason), report_timestamps.
constexpr int kHoldsUpstream = 1;

}  // namespace

std::span<const UpstreamRevision> upstream_revisions() { return kUpstreamRevisions; }

Result<UpgradeTarget> parse_upgrade_revision(std::string_view revision, int head) {
    if (revision == "head") return UpgradeTarget{head, nullptr};
    for (const auto& upstream : kUpstreamRevisions)
        if (revision == upstream.id) return UpgradeTarget{kHoldsUpstream, &upstream};
    int version = 0;
    auto [end, ec] = std::from_chars(revision.data(), revision.data() + revision.size(), version);
    if (ec == std::errc{} && end == revision.data() + revision.size() && version >= 1 && version <= head)
        return UpgradeTarget{version, nullptr};
    std::vector<std::string_view> ids;
    for (const auto& upstream : kUpstreamRevisions) ids.push_back(upstream.id);
    return make_error(ErrorKind::invalid_input,
                      fmt::format("unknown revision '{}' (expected head, 1 to {}, or one of upstream's alembic "
                                  "revisions {})",
                                  revision, head, fmt::join(ids, ", ")));
}

}  // namespace staffeln::store
