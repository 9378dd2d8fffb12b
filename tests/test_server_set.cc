#include "staffeln/core/server_set.h"

#include <doctest/doctest.h>

#include <random>
#include <set>

using namespace staffeln;
using namespace staffeln::core;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

const TimePoint kT0{seconds(1764910800)};  // 2025-12-05T05:00:00Z
constexpr seconds kSpan = minutes(15);

SetMember member(std::string set_id, std::string volume, TaskStatus status = TaskStatus::succeeded,
                 std::optional<TimePoint> data_time = kT0, std::string note = "") {
    SetMember m;
    m.set_id = std::move(set_id);
    m.mode = m.set_id.empty() ? std::nullopt : std::optional(BackupMode::snapshot);
    m.set_volumes = m.set_id.empty() ? 0 : 3;
    m.server_id = "srv-1";
    m.server_name = "web-1";
    m.volume_id = "vol-" + volume;
    m.volume_name = volume;
    m.status = status;
    m.note = std::move(note);
    m.started_at = kT0 - seconds(5);
    m.data_time = data_time;
    return m;
}

}  // namespace

TEST_CASE("a snapshot set whose three volumes all have a backup is complete, with its data-time range") {
    std::vector<SetMember> members{member("set-a", "root", TaskStatus::succeeded, kT0 + seconds(1)),
                                   member("set-a", "data"), member("set-a", "logs")};
    auto sets = server_sets(members, kSpan);
    REQUIRE(sets.size() == 1);
    const ServerSet& s = sets[0];
    CHECK(s.set_id == "set-a");
    CHECK(s.server_name == "web-1");
    CHECK(s.mode == BackupMode::snapshot);
    REQUIRE(s.volumes.size() == 3);
    CHECK(s.volumes[0].volume_name == "data");  // by name
    CHECK(s.volumes[2].volume_name == "root");
    CHECK(s.data_from == kT0);
    CHECK(s.data_to == kT0 + seconds(1));
    CHECK(data_spread(s) == seconds(1));
    CHECK_FALSE(s.partial);
    CHECK(s.reasons.empty());
    CHECK(s.unaccounted == 0);
}

TEST_CASE("a set is partial, naming each volume and why: failed, cancelled, fell back to the volume, not sent") {
    SUBCASE("a failed backup") {
        auto sets = server_sets({member("s", "root"), member("s", "data"),
                                 member("s", "logs", TaskStatus::failed, std::nullopt, "quota exceeded (413)")},
                                kSpan);
        REQUIRE(sets.size() == 1);
        CHECK(sets[0].partial);
        CHECK(sets[0].reasons == std::vector<std::string>{"volume logs (vol-logs): failed: quota exceeded (413)"});
        CHECK(sets[0].volumes[1].gap == "failed: quota exceeded (413)");
    }
    SUBCASE("a cancelled backup, without a note") {
        auto sets =
            server_sets({member("s", "root"), member("s", "data"), member("s", "logs", TaskStatus::cancelled)}, kSpan);
        CHECK(sets[0].reasons == std::vector<std::string>{"volume logs (vol-logs): cancelled"});
    }
    SUBCASE("a snapshot-mode volume backed up straight from the volume: another moment") {
        auto note = "snapshot refused (413 SnapshotLimitExceeded); backed up straight from the volume";
        auto sets = server_sets({member("s", "root"), member("s", "data"),
                                 member("s", "logs", TaskStatus::succeeded, kT0 + minutes(3), note)},
                                kSpan);
        CHECK(sets[0].partial);
        CHECK(sets[0].reasons == std::vector<std::string>{std::string("volume logs (vol-logs): ") + note});
        CHECK(data_spread(sets[0]) == minutes(3));  // the spread shows the other moment too
    }
    SUBCASE("volumes recorded for the set without a finished task") {
        auto sets = server_sets({member("s", "root")}, kSpan);
        CHECK(sets[0].unaccounted == 2);
        CHECK(sets[0].partial);
        REQUIRE(sets[0].reasons.size() == 1);
        CHECK(sets[0].reasons[0].starts_with("2 of its 3 volumes have no finished backup in this set"));
    }
    SUBCASE("reasons list the volumes first, then the unaccounted") {
        auto sets = server_sets({member("s", "root", TaskStatus::failed, std::nullopt, "x")}, kSpan);
        REQUIRE(sets[0].reasons.size() == 2);
        CHECK(sets[0].reasons[0] == "volume root (vol-root): failed: x");
        CHECK(sets[0].reasons[1].starts_with("2 of its 3 volumes have"));
    }
}

TEST_CASE("in volume mode a note on a success is no gap, and each volume keeps its own data time") {
    std::vector<SetMember> members;
    for (auto [name, offset] : {std::pair{"root", 0}, {"data", 40}, {"logs", 95}}) {
        auto m = member("v", name, TaskStatus::succeeded, kT0 + seconds(offset), "a note");
        m.mode = BackupMode::volume;
        members.push_back(m);
    }
    auto sets = server_sets(members, kSpan);
    REQUIRE(sets.size() == 1);
    CHECK_FALSE(sets[0].partial);
    CHECK(sets[0].mode == BackupMode::volume);
    CHECK(data_spread(sets[0]) == seconds(95));
}

TEST_CASE("a succeeded backup the store does not list has no data time, and no set time without any") {
    auto sets = server_sets({member("s", "root", TaskStatus::succeeded, std::nullopt), member("s", "data"),
                             member("s", "logs", TaskStatus::failed, std::nullopt, "x")},
                            kSpan);
    CHECK(sets[0].data_from == kT0);
    CHECK(sets[0].data_to == kT0);
    auto none = server_sets({member("s", "root", TaskStatus::failed, std::nullopt, "x")}, kSpan);
    CHECK_FALSE(none[0].data_from);
    CHECK_FALSE(data_spread(none[0]));
}

TEST_CASE("a failed task's data time is not the set's, even when the store lists its backup") {
    auto sets =
        server_sets({member("s", "root"), member("s", "data", TaskStatus::failed, kT0 + minutes(9), "x")}, kSpan);
    CHECK(sets[0].data_to == kT0);
    CHECK_FALSE(sets[0].volumes[0].data_time);  // data: failed
}

TEST_CASE("recorded sets are apart by id, unrecorded tasks group per server by start within cycle_span") {
    std::vector<SetMember> members{member("s1", "root"), member("s2", "root")};
    // Unrecorded (before schema 7, or a store rebuilt from Cinder): two cycles an hour apart, and another server.
    for (auto [name, start] : {std::pair{"root", 0}, {"data", 600}, {"root", 3600}, {"data", 3610}}) {
        auto m = member("", name);
        m.started_at = kT0 + seconds(start);
        members.push_back(m);
    }
    auto other = member("", "root");
    other.server_id = "srv-0";
    other.server_name = "api-1";
    members.push_back(other);
    auto sets = server_sets(members, kSpan);
    REQUIRE(sets.size() == 5);
    CHECK(sets[0].server_name == "api-1");  // by server name first
    CHECK(sets[0].volumes.size() == 1);
    // web-1's, by start: s1 and s2 (kT0 - 5 s, in id order), then the two cycles by time.
    CHECK(sets[1].set_id == "s1");
    CHECK(sets[2].set_id == "s2");
    CHECK(sets[3].set_id.empty());
    CHECK(sets[3].volumes.size() == 2);
    CHECK(sets[3].started_at == kT0);
    CHECK_FALSE(sets[3].mode);
    CHECK_FALSE(sets[3].partial);  // unknown volume count: nothing unaccounted
    CHECK(sets[4].volumes.size() == 2);
    CHECK(sets[4].started_at == kT0 + seconds(3600));
}

TEST_CASE("cycle_span is inclusive, measured from the first start of the group") {
    std::vector<SetMember> members;
    for (int start : {0, 900, 901}) {
        auto m = member("", "v" + std::to_string(start));
        m.started_at = kT0 + seconds(start);
        members.push_back(m);
    }
    auto sets = server_sets(members, kSpan);
    REQUIRE(sets.size() == 2);
    CHECK(sets[0].volumes.size() == 2);
    CHECK(sets[1].volumes.size() == 1);
}

TEST_CASE("no members, no sets") { CHECK(server_sets({}, kSpan).empty()); }

// For any mix of members: each is in exactly one set; a set is partial exactly when it has a
// reason; every succeeded data time lies in its set's range, which some member attains.
TEST_CASE("property: every member in one set, partial iff a reason, data times within the range") {
    std::mt19937 rng(14);
    const TaskStatus statuses[] = {TaskStatus::succeeded, TaskStatus::failed, TaskStatus::cancelled};
    for (int round = 0; round < 300; ++round) {
        std::vector<SetMember> members;
        int n = static_cast<int>(rng() % 12);
        for (int i = 0; i < n; ++i) {
            auto m = member(
                rng() % 3 == 0 ? "" : "set-" + std::to_string(rng() % 3), "v" + std::to_string(i), statuses[rng() % 3],
                rng() % 4 == 0 ? std::nullopt : std::optional(kT0 + seconds(rng() % 120)), rng() % 2 ? "why" : "");
            if (!m.set_id.empty()) m.mode = m.set_id == "set-0" ? BackupMode::volume : BackupMode::snapshot;
            if (!m.set_id.empty()) m.set_volumes = m.set_id == "set-1" ? 4 : 0;
            m.started_at = kT0 + seconds(rng() % 3000);
            members.push_back(m);
        }
        auto sets = server_sets(members, kSpan);
        std::multiset<std::string> seen;
        for (const auto& s : sets) {
            CHECK(s.partial == !s.reasons.empty());
            for (const auto& v : s.volumes) {
                seen.insert(v.volume_id);
                if (v.data_time) {
                    CHECK(v.status == TaskStatus::succeeded);
                    CHECK(*s.data_from <= *v.data_time);
                    CHECK(*v.data_time <= *s.data_to);
                }
                if (!v.gap.empty()) CHECK(s.partial);
            }
            if (s.data_from) {
                bool attained_from = false, attained_to = false;
                for (const auto& v : s.volumes) {
                    attained_from = attained_from || v.data_time == s.data_from;
                    attained_to = attained_to || v.data_time == s.data_to;
                }
                CHECK(attained_from);
                CHECK(attained_to);
            }
        }
        CHECK(seen.size() == members.size());
        for (const auto& m : members) CHECK(seen.count(m.volume_id) == 1);
    }
}
