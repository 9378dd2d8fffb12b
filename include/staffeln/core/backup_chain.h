// Incremental chains as Cinder makes them, inferred from what Cinder shows (it hides parent_id).
//
// Cinder gives a new incremental backup the newest `available` backup of the same volume in
// the caller's project, by data_timestamp, as parent, whoever made it. A parent cannot be
// deleted while it has dependents. So, among one volume's backups in one project sorted by
// data_timestamp, an incremental's parent is the nearest earlier backup that could have been
// a parent (not `error`, not still `creating`); a full starts a new chain.
//
// Worked example, volume v in project p, data times 1..6:
//     1 F1 full      2 I1 incr     3 U  incr (a user's)   4 E error   5 F2 full   6 I2 incr
// parents: I1 -> F1, U -> I1, I2 -> F2; E is nobody's parent. F1's chain is F1 <- I1 <- U, so
// F1 and I1 stay as long as U (which staffeln never deletes) exists.
// An incremental with no earlier candidate is an orphan (its parent is not in the listing).
#pragma once

#include "staffeln/model.h"

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace staffeln::core {

struct ChainNode {
    std::string_view id;
    TimePoint data_timestamp{};
    TimePoint created_at{};
    bool is_incremental = false;
    bool can_be_parent = false;  // see can_be_parent(status)
};

inline constexpr std::size_t kNoParent = static_cast<std::size_t>(-1);

// Cinder's order: data_timestamp, then created_at, then id (so ties are still deterministic).
bool comes_before(const ChainNode& a, const ChainNode& b);

// A backup in this status was available when later backups were made, so it may be a parent.
bool can_be_parent(std::string_view status);

// A backup in this status is whole and usable now: `available`, or `restoring` (Cinder is reading
// it into a volume; it is not damaged and is available again when the restore ends). Backup
// cycles count it as available: it completes its task, sets the min interval and heads its chain.
bool counts_as_available(std::string_view status);

// For nodes of one volume and project already in comes_before order: each node's parent
// position, or kNoParent for a full or an orphan incremental.
std::vector<std::size_t> infer_parents(std::span<const ChainNode> ordered);

}  // namespace staffeln::core
