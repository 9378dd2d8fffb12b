#include "staffeln/core/restore_points.h"

#include "staffeln/core/backup_chain.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <tuple>

using namespace staffeln;
using namespace staffeln::core;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

const TimePoint kT0{seconds(1764910800)};  // 2025-12-05T05:00:00Z
constexpr std::chrono::hours kDay{24};

struct History {
    ServerHistory h;
    RestorePolicy policy;

    History() {
        h.server_id = "srv-1";
        h.server_name = "web-1";
        h.project_id = "p1";
        policy.cycle_span = minutes(15);
    }
    History& volume(std::string id, std::string name = "") {
        h.volumes.push_back({std::move(id), std::move(name)});
        return *this;
    }
    History& backup(std::string id, std::string volume, TimePoint at, BackupKind kind = BackupKind::full,
                    std::string status = "available") {
        h.backups.push_back({std::move(id), std::move(volume), kind, std::move(status), at, at});
        return *this;
    }
    History& incr(std::string id, std::string volume, TimePoint at, std::string status = "available") {
        return backup(std::move(id), std::move(volume), at, BackupKind::incremental, std::move(status));
    }
    std::vector<RestorePoint> points() const { return restore_points(h, policy); }
    Result<RestorePoint> plan(TimePoint at, bool allow_partial = false) const {
        return plan_restore(h, at, allow_partial, policy);
    }
};

// The backup ids a point reads, volume by volume ("-" for none).
std::vector<std::string> ids(const RestorePoint& p) {
    std::vector<std::string> out;
    for (const auto& v : p.volumes) out.push_back(v.backup ? v.backup->id : "-");
    return out;
}

using Ids = std::vector<std::string>;

}  // namespace

TEST_CASE("a server without recorded backups has no restore points") {
    History w;
    w.volume("v1");
    CHECK(w.points().empty());
    CHECK(History().points().empty());
}

TEST_CASE("each backup cycle is a point, newest first, at the cycle's newest data time, complete and consistent") {
    History w;
    w.volume("v1", "root").volume("v2", "data");
    for (int day = 0; day < 3; ++day) {
        auto start = kT0 + day * kDay;
        w.backup("r" + std::to_string(day), "v1", start);
        w.backup("d" + std::to_string(day), "v2", start + seconds(40));
    }
    auto points = w.points();
    REQUIRE(points.size() == 3);
    for (int i = 0; i < 3; ++i) {
        CAPTURE(i);
        int day = 2 - i;
        CHECK(points[i].time == kT0 + day * kDay + seconds(40));
        CHECK(ids(points[i]) == Ids{"r" + std::to_string(day), "d" + std::to_string(day)});
        CHECK(points[i].complete);
        CHECK(points[i].consistent);
        CHECK(points[i].volumes[0].volume.name == "root");
        CHECK(points[i].volumes[1].volume.id == "v2");
    }
    CHECK(points[0].volumes[1].backup->kind == BackupKind::full);
}

TEST_CASE("a volume with no backup yet at a point makes it partial") {
    History w;
    w.volume("v1").volume("v2");
    w.backup("r0", "v1", kT0);
    w.backup("r1", "v1", kT0 + kDay);
    w.backup("d1", "v2", kT0 + kDay + seconds(5));
    auto points = w.points();
    REQUIRE(points.size() == 2);
    CHECK(ids(points[0]) == Ids{"r1", "d1"});
    CHECK(points[0].complete);
    CHECK(ids(points[1]) == Ids{"r0", "-"});
    CHECK_FALSE(points[1].complete);
    CHECK_FALSE(points[1].consistent);
}

TEST_CASE("a cycle whose backup of one volume failed falls back to that volume's previous backup: not consistent") {
    History w;
    w.volume("v1").volume("v2");
    w.backup("r0", "v1", kT0).backup("d0", "v2", kT0 + seconds(3));
    w.backup("r1", "v1", kT0 + kDay).backup("d1", "v2", kT0 + kDay + seconds(3), BackupKind::full, "error");
    auto points = w.points();
    REQUIRE(points.size() == 2);
    CHECK(points[0].time == kT0 + kDay);
    CHECK(ids(points[0]) == Ids{"r1", "d0"});
    CHECK(points[0].complete);
    CHECK_FALSE(points[0].consistent);
    CHECK(points[1].consistent);
}

TEST_CASE("only available and restoring backups are read, not creating, deleting or error ones") {
    struct Row {
        const char* status;
        bool usable;
    };
    const Row rows[] = {{"available", true}, {"restoring", true}, {"creating", false},
                        {"deleting", false}, {"error", false},    {"error_deleting", false}};
    for (const auto& row : rows) {
        CAPTURE(row.status);
        History w;
        w.volume("v1");
        w.backup("old", "v1", kT0);
        w.backup("new", "v1", kT0 + kDay, BackupKind::full, row.status);
        auto points = w.points();
        REQUIRE(points.size() == (row.usable ? 2u : 1u));
        CHECK(ids(points[0]) == Ids{row.usable ? "new" : "old"});
    }
}

TEST_CASE("an incremental is read only with its whole chain: an orphan or one above a broken parent is not") {
    History w;
    w.volume("v1");
    w.backup("f", "v1", kT0);
    w.incr("i1", "v1", kT0 + kDay);
    w.incr("i2", "v1", kT0 + 2 * kDay);
    CHECK(ids(w.points()[0]) == Ids{"i2"});

    History broken;  // i1 is being deleted: its dependent i2 cannot be restored whole
    broken.volume("v1");
    broken.backup("f", "v1", kT0);
    broken.incr("i1", "v1", kT0 + kDay, "deleting");
    broken.incr("i2", "v1", kT0 + 2 * kDay);
    auto points = broken.points();
    REQUIRE(points.size() == 1);
    CHECK(ids(points[0]) == Ids{"f"});

    History orphan;  // its full is gone from the store
    orphan.volume("v1");
    orphan.incr("i1", "v1", kT0 + kDay);
    CHECK(orphan.points().empty());

    History skips_error;  // Cinder never chains onto a backup in error: i2's parent is f
    skips_error.volume("v1");
    skips_error.backup("f", "v1", kT0);
    skips_error.incr("e", "v1", kT0 + kDay, "error");
    skips_error.incr("i2", "v1", kT0 + 2 * kDay);
    CHECK(ids(skips_error.points()[0]) == Ids{"i2"});

    History restoring_parent;  // a parent being restored is whole
    restoring_parent.volume("v1");
    restoring_parent.backup("f", "v1", kT0, BackupKind::full, "restoring");
    restoring_parent.incr("i1", "v1", kT0 + kDay);
    CHECK(ids(restoring_parent.points()[0]) == Ids{"i1"});
}

TEST_CASE("backups within cycle_span of a cycle's first form one point, and farther ones a point of their own") {
    for (long long span_min : {5, 15}) {
        CAPTURE(span_min);
        History w;
        w.policy.cycle_span = minutes(span_min);
        w.volume("v1").volume("v2");
        w.backup("r", "v1", kT0).backup("d", "v2", kT0 + minutes(10));
        auto points = w.points();
        if (span_min == 15) {
            REQUIRE(points.size() == 1);
            CHECK(points[0].time == kT0 + minutes(10));
            CHECK(points[0].consistent);
        } else {
            REQUIRE(points.size() == 2);
            CHECK(ids(points[0]) == Ids{"r", "d"});
            CHECK_FALSE(points[0].consistent);  // 10 min apart, span 5 min
            CHECK(ids(points[1]) == Ids{"r", "-"});
        }
    }
}

TEST_CASE("a plan picks per volume the newest usable backup at or before the time, the time itself included") {
    History w;
    w.volume("v1").volume("v2");
    w.backup("r0", "v1", kT0).backup("d0", "v2", kT0 + seconds(1));
    w.backup("r1", "v1", kT0 + kDay).backup("d1", "v2", kT0 + kDay + seconds(1));
    auto at_point = w.plan(kT0 + kDay + seconds(1));
    REQUIRE(at_point.ok());
    CHECK(ids(*at_point) == Ids{"r1", "d1"});
    CHECK(at_point->time == kT0 + kDay + seconds(1));
    auto between = w.plan(kT0 + kDay - seconds(1));
    REQUIRE(between.ok());
    CHECK(ids(*between) == Ids{"r0", "d0"});
    CHECK(between->consistent);
    auto mid_cycle = w.plan(kT0 + kDay);  // r1 made, d1 not yet
    REQUIRE(mid_cycle.ok());
    CHECK(ids(*mid_cycle) == Ids{"r1", "d0"});
    CHECK_FALSE(mid_cycle->consistent);
    CHECK(ids(*w.plan(kT0 + 30 * kDay)) == Ids{"r1", "d1"});
}

TEST_CASE("a plan refuses a time where a volume has no backup, naming it, unless partial is allowed") {
    History w;
    w.volume("v1", "root").volume("v2", "data").volume("v3");
    w.backup("r0", "v1", kT0);
    auto refused = w.plan(kT0 + minutes(1));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::not_found);
    CHECK(refused.error().message ==
          "no restore of server web-1 (srv-1) at 2025-12-05T05:01:00Z: volumes v2 (data), v3 have no available "
          "automated backup at or before that time; a partial restore would leave them out");
    w.backup("d0", "v2", kT0);
    CHECK(w.plan(kT0 + minutes(1)).error().message ==
          "no restore of server web-1 (srv-1) at 2025-12-05T05:01:00Z: volume v3 has no available automated backup "
          "at or before that time; a partial restore would leave it out");
    auto partial = w.plan(kT0 + minutes(1), true);
    REQUIRE(partial.ok());
    CHECK(ids(*partial) == Ids{"r0", "d0", "-"});
    CHECK_FALSE(partial->complete);
    CHECK_FALSE(partial->consistent);
}

TEST_CASE("a plan before every backup is refused even when partial is allowed") {
    History w;
    w.h.server_name.clear();
    w.volume("v1");
    w.backup("r0", "v1", kT0);
    for (bool partial : {false, true}) {
        auto refused = w.plan(kT0 - seconds(1), partial);
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().message ==
              "no restore of server srv-1 at 2025-12-05T04:59:59Z: none of its volumes has an available automated "
              "backup at or before that time");
    }
}

namespace {

// The chain rule restated without the code under test: an incremental's parent is the nearest
// earlier backup of its volume (by data time, created time, id) that is not in error or creating.
bool whole(const std::vector<RecordedBackup>& all, const RecordedBackup& b, int depth = 0) {
    REQUIRE(depth < 100);
    if (b.status != "available" && b.status != "restoring") return false;
    if (b.kind == BackupKind::full) return true;
    auto key = [](const RecordedBackup& x) { return std::tie(x.data_timestamp, x.created_at, x.id); };
    const RecordedBackup* parent = nullptr;
    for (const auto& c : all)
        if (c.volume_id == b.volume_id && key(c) < key(b) && c.status != "error" && c.status != "creating" &&
            (!parent || key(*parent) < key(c)))
            parent = &c;
    return parent && whole(all, *parent, depth + 1);
}

}  // namespace

TEST_CASE("property: for random histories every pick is usable, at or before the time, the newest such, whole") {
    std::mt19937 rng(20261205);
    const char* statuses[] = {"available", "available", "available", "restoring", "error", "creating", "deleting"};
    for (int round = 0; round < 3000; ++round) {
        CAPTURE(round);
        History w;
        w.policy.cycle_span = minutes(std::uniform_int_distribution<int>(0, 120)(rng));
        int volumes = std::uniform_int_distribution<int>(1, 4)(rng);
        for (int v = 0; v < volumes; ++v) w.volume("v" + std::to_string(v));
        int backups = std::uniform_int_distribution<int>(0, 24)(rng);
        for (int i = 0; i < backups; ++i) {
            auto at = kT0 + minutes(std::uniform_int_distribution<int>(0, 2000)(rng));
            auto volume = "v" + std::to_string(std::uniform_int_distribution<int>(0, volumes)(rng) % volumes);
            auto kind = rng() % 2 ? BackupKind::full : BackupKind::incremental;
            w.backup("b" + std::to_string(i), volume, at, kind, statuses[rng() % std::size(statuses)]);
            if (rng() % 4 == 0) w.h.backups.back().created_at += seconds(rng() % 60);  // a snapshot's backup
        }
        auto at = kT0 + minutes(std::uniform_int_distribution<int>(-10, 2100)(rng));
        auto plan = w.plan(at, true);
        bool any_usable = false;
        for (const auto& b : w.h.backups) any_usable |= b.data_timestamp <= at && whole(w.h.backups, b);
        REQUIRE(plan.ok() == any_usable);
        if (!plan.ok()) continue;
        REQUIRE(plan->volumes.size() == w.h.volumes.size());
        bool complete = true;
        for (const auto& pv : plan->volumes) {
            const RecordedBackup* newest = nullptr;
            for (const auto& b : w.h.backups)
                if (b.volume_id == pv.volume.id && b.data_timestamp <= at && whole(w.h.backups, b) &&
                    (!newest || std::tie(newest->data_timestamp, newest->created_at, newest->id) <
                                    std::tie(b.data_timestamp, b.created_at, b.id)))
                    newest = &b;
            complete &= newest != nullptr;
            REQUIRE(pv.backup.has_value() == (newest != nullptr));
            if (!newest) continue;
            CHECK(pv.backup->id == newest->id);
            CHECK(counts_as_available(pv.backup->status));
            CHECK(pv.backup->data_timestamp <= at);
            CHECK(whole(w.h.backups, *pv.backup));
        }
        CHECK(plan->complete == complete);
        CHECK(w.plan(at, false).ok() == complete);

        auto points = w.points();
        for (std::size_t i = 0; i < points.size(); ++i) {
            if (i > 0) CHECK(points[i].time < points[i - 1].time);
            CHECK(ids(points[i]) == ids(pick_at(w.h, points[i].time, w.policy)));
            bool some = std::any_of(points[i].volumes.begin(), points[i].volumes.end(), [&](const PointVolume& pv) {
                return pv.backup && pv.backup->data_timestamp == points[i].time;
            });
            CHECK(some);  // a point is at the data time of a backup it reads
        }
    }
}
