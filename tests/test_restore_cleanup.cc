#include "staffeln/core/restore_cleanup.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;

namespace {

Volume shown(std::string status) { return Volume{"new-1", "root-restored", "p1", std::move(status), 1, {}}; }

}  // namespace

TEST_CASE("cleanup: a volume Cinder shows deleting, or answers 404 for, counts as deleted and is not sent a DELETE") {
    CHECK(cleanup_action(shown("deleting")) == CleanupAction::already_deleted);
    CHECK(cleanup_action(std::nullopt) == CleanupAction::already_deleted);
}

TEST_CASE("cleanup: every other status is sent a DELETE, Cinder deciding whether it can") {
    for (const char* status : {"available", "error", "error_restoring", "creating", "restoring-backup", "in-use"}) {
        CAPTURE(status);
        CHECK(cleanup_action(shown(status)) == CleanupAction::delete_volume);
    }
}
