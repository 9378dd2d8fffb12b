#include "staffeln/core/backup_chain.h"

#include <doctest/doctest.h>

#include <algorithm>

using namespace staffeln;
using namespace staffeln::core;
using std::chrono::seconds;

namespace {

ChainNode node(std::string_view id, int t, bool incremental, std::string_view status = "available") {
    TimePoint at{seconds(t)};
    return {id, at, at, incremental, can_be_parent(status)};
}

}  // namespace

TEST_CASE("the worked example of the chain header: parents are the previous possible parent by data time") {
    std::vector<ChainNode> nodes{node("F1", 1, false),        node("I1", 2, true),  node("U", 3, true),
                                 node("E", 4, true, "error"), node("F2", 5, false), node("I2", 6, true)};
    auto parent = infer_parents(nodes);
    CHECK(parent == std::vector<std::size_t>{kNoParent, 0, 1, 2, kNoParent, 4});
}

TEST_CASE("a backup in error or still creating is nobody's parent") {
    std::vector<ChainNode> nodes{node("F", 1, false), node("E", 2, false, "error"), node("C", 3, false, "creating"),
                                 node("I", 4, true)};
    CHECK(infer_parents(nodes)[3] == 0);
}

TEST_CASE("an incremental with no earlier backup is an orphan") {
    std::vector<ChainNode> nodes{node("E", 0, false, "error"), node("I", 1, true)};
    CHECK(infer_parents(nodes) == std::vector<std::size_t>{kNoParent, kNoParent});
}

TEST_CASE("chain order is data time, then creation time, then id") {
    std::vector<ChainNode> nodes{node("b", 5, false), node("a", 5, false), node("z", 1, false)};
    nodes[0].created_at = TimePoint{seconds(9)};
    std::sort(nodes.begin(), nodes.end(), comes_before);
    CHECK(nodes[0].id == "z");
    CHECK(nodes[1].id == "a");
    CHECK(nodes[2].id == "b");
}

TEST_CASE("deleting, restoring and available backups were available once and can be parents") {
    for (const char* s : {"available", "deleting", "restoring", "backing-up"}) CHECK(can_be_parent(s));
    for (const char* s : {"error", "creating"}) CHECK_FALSE(can_be_parent(s));
}

TEST_CASE("available and restoring backups count as available: a restore only reads the backup") {
    for (const char* s : {"available", "restoring"}) CHECK(counts_as_available(s));
    for (const char* s : {"error", "creating", "deleting", "backing-up", ""}) CHECK_FALSE(counts_as_available(s));
}
