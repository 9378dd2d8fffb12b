// The API's cache of Cinder's findings (api/finding_cache.h): expiry and least-recently-used eviction.
#include "staffeln/api/finding_cache.h"

#include <doctest/doctest.h>

#include <chrono>

using namespace staffeln;
using namespace std::chrono_literals;

TEST_CASE("the findings cache answers until expiry and drops the least recently used beyond its capacity") {
    using api::CinderFinding;
    api::FindingCache cache(2);
    auto t0 = api::FindingCache::Clock::time_point{} + std::chrono::hours(1);
    cache.put("a", CinderFinding::staffelns, t0 + 100s);
    cache.put("b", CinderFinding::not_staffelns, t0 + 10s);
    CHECK(cache.find("a", t0) == CinderFinding::staffelns);  // a is now the most recent
    CHECK(cache.find("b", t0 + 9s) == CinderFinding::not_staffelns);
    CHECK_FALSE(cache.find("b", t0 + 10s).has_value());  // expired, and gone
    CHECK(cache.size() == 1);
    cache.put("b", CinderFinding::not_staffelns, t0 + 50s);
    CHECK(cache.find("a", t0).has_value());
    cache.put("c", CinderFinding::no_such_backup, t0 + 50s);  // evicts b, the least recently used
    CHECK(cache.size() == 2);
    CHECK_FALSE(cache.find("b", t0).has_value());
    CHECK(cache.find("a", t0) == CinderFinding::staffelns);
    CHECK(cache.find("c", t0) == CinderFinding::no_such_backup);
    cache.put("c", CinderFinding::staffelns, t0 + 60s);  // replaced, not added
    CHECK(cache.size() == 2);
    CHECK(cache.find("c", t0) == CinderFinding::staffelns);

    api::FindingCache none(0);
    none.put("a", CinderFinding::staffelns, t0 + 100s);
    CHECK_FALSE(none.find("a", t0).has_value());
}
