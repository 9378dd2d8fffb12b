#include "staffeln/store/upgrade_revision.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

using staffeln::store::parse_upgrade_revision;
using staffeln::store::upstream_revisions;

TEST_CASE("upgrade revisions: head, a store version, or upstream's four alembic revisions") {
    auto head = parse_upgrade_revision("head", 3);
    REQUIRE(head.ok());
    CHECK(head->version == 3);
    CHECK(head->upstream == nullptr);
    auto one = parse_upgrade_revision("1", 3);
    REQUIRE(one.ok());
    CHECK(one->version == 1);

    REQUIRE(upstream_revisions().size() == 4);
    CHECK(upstream_revisions().back().id == "5b2e78435231");
    for (const char* id : {"041d9a0f1159", "ebdbed01e9a7", "2b2b9df199bd", "5b2e78435231"}) {
        CAPTURE(id);
        auto upstream = parse_upgrade_revision(id, 3);
        REQUIRE(upstream.ok());
        CHECK(upstream->version == 1);
        REQUIRE(upstream->upstream != nullptr);
        CHECK(upstream->upstream->id == id);
    }
}

TEST_CASE("an unknown upgrade revision is an error naming it and listing every revision accepted") {
    for (const char* bad : {"tail", "0", "4", "1x", "", "041d9a0f115", "HEAD"}) {
        CAPTURE(bad);
        auto parsed = parse_upgrade_revision(bad, 3);
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().message == fmt::format("unknown revision '{}' (expected head, 1 to 3, or one of "
                                                    "upstream's alembic revisions 041d9a0f1159, ebdbed01e9a7, "
                                                    "2b2b9df199bd, 5b2e78435231)",
                                                    bad));
    }
}
