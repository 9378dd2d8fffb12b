// What `db-manage upgrade REVISION` asks for: `head`, a store version from 1 to head, or one of
// upstream Staffeln's alembic revisions (deployments pin those). Every store version holds what
// upstream's four revisions add (names, incremental, reason, report timestamps), so an upstream
// revision asks only that the store have a schema. Pure: no database is opened here.
#pragma once

#include "staffeln/result.h"

#include <span>
#include <string_view>

namespace staffeln::store {

struct UpstreamRevision {
    std::string_view id;
    std::string_view description;  // its alembic docstring's first line
};

// Upstream's revisions in order (staffeln/db/sqlalchemy/alembic/versions), the last its head.
std::span<const UpstreamRevision> upstream_revisions();

struct UpgradeTarget {
    int version = 0;                             // the store version to migrate to
    const UpstreamRevision* upstream = nullptr;  // the upstream revision named, if one was
};

// The target `revision` names, for a store whose newest version is `head`; an unknown revision is
// an error naming it and every revision accepted.
Result<UpgradeTarget> parse_upgrade_revision(std::string_view revision, int head);

}  // namespace staffeln::store
