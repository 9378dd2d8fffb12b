#include "staffeln/core/upstream_queue.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;
using std::chrono::seconds;

namespace {

const TimePoint kNow{seconds{1'765'000'000}};  // 2025-12-06T05:46:40Z
const seconds kPatience{1800 + 300};

UpstreamPendingTask planned(std::string id, std::optional<seconds> ago) {
    UpstreamPendingTask t{id, "vol-" + id, "data", "srv-1", std::nullopt};
    if (ago) t.planned_at = kNow - *ago;
    return t;
}

}  // namespace

TEST_CASE("an empty queue, or one whose tasks were all sent, lets the import run") {
    auto verdict = upstream_queue_verdict({}, kNow, kPatience);
    CHECK_FALSE(verdict.wait.has_value());
    CHECK(verdict.abandoned.empty());
}

TEST_CASE("a task planned within the patience makes the import wait, saying how many, since when and until when") {
    auto verdict = upstream_queue_verdict({planned("7", seconds{60}), planned("8", seconds{600})}, kNow, kPatience);
    REQUIRE(verdict.wait.has_value());
    CHECK(*verdict.wait ==
          "upstream's queue_data holds 2 task(s) planned but not yet sent to Cinder (the newest at "
          "2025-12-06T05:45:40Z): an upstream conductor still running may back those volumes up, so the import and "
          "the backup cycles wait until they are sent, or until 2025-12-06T06:20:40Z, when they count as abandoned");
    CHECK(verdict.abandoned.empty());
}

TEST_CASE("a task older than the patience, or without a time, was abandoned: listed, and no wait") {
    auto verdict = upstream_queue_verdict({planned("7", kPatience), planned("9", std::nullopt)}, kNow, kPatience);
    CHECK_FALSE(verdict.wait.has_value());
    REQUIRE(verdict.abandoned.size() == 2);
    CHECK(verdict.abandoned[0] ==
          "queue_data task 7 for volume vol-7 (data) of server srv-1 was planned at 2025-12-06T05:11:40Z and never "
          "sent to Cinder: upstream's conductors gave it up, and staffeln backs the volume up by its own schedule");
    CHECK(verdict.abandoned[1].find("was planned at no recorded time") != std::string::npos);
}

TEST_CASE("the wait ends exactly when the newest fresh task has waited the patience, whatever the others") {
    for (int ago = 0; ago <= 2200; ago += 100) {
        auto verdict =
            upstream_queue_verdict({planned("1", seconds{ago}), planned("2", seconds{5000})}, kNow, kPatience);
        CHECK(verdict.wait.has_value() == (seconds{ago} < kPatience));
        CHECK(verdict.abandoned.size() == (seconds{ago} < kPatience ? 1u : 2u));
    }
}
