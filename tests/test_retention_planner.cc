#include "staffeln/core/retention_planner.h"

#include "staffeln/config/time_zone.h"
#include "staffeln/core/backup_chain.h"
#include "staffeln/core/backup_tag.h"
#include "staffeln/core/calendar_bucket.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

using namespace staffeln;
using namespace staffeln::core;
using std::chrono::seconds;

namespace {

TimePoint day(int d) { return TimePoint{seconds(std::int64_t{1'700'000'000} + std::int64_t{d} * 86400)}; }

constexpr std::chrono::seconds kWeek{7 * 86400};

struct Cloud {
    std::vector<Backup> backups;
    std::vector<Server> servers;
    std::vector<TaskRecord> closed;
    RetentionPolicy policy;
    TimePoint now = day(20);
    RetentionInput input;

    Cloud() {
        policy.backup_metadata_key = "__automated_backup";
        policy.retention_metadata_key = "__staffeln_retention";
        policy.retention_time = kWeek;
    }

    Backup& backup(std::string id, std::string volume, bool ours, bool incremental, int made_on,
                   std::string status = "available") {
        Backup b;
        b.id = id;
        b.volume_id = std::move(volume);
        b.project_id = "p1";
        b.status = std::move(status);
        b.is_incremental = incremental;
        b.created_at = day(made_on);
        b.data_timestamp = day(made_on);
        if (ours) b.metadata = tag_fields("task-" + id, TagForm::metadata).metadata;
        backups.push_back(std::move(b));
        return backups.back();
    }
    Server& server(std::string name, std::vector<std::string> volumes, bool tagged = true, std::string retention = "") {
        Server s;
        s.id = "srv-" + name;
        s.name = std::move(name);
        s.volume_ids = std::move(volumes);
        s.metadata["__automated_backup"] = tagged ? "true" : "false";
        if (!retention.empty()) s.metadata["__staffeln_retention"] = retention;
        servers.push_back(std::move(s));
        return servers.back();
    }
    TaskRecord& record(std::string task, std::string backup_id, TaskStatus status, std::string volume = "v") {
        TaskRecord t;
        t.task_id = std::move(task);
        t.volume_id = std::move(volume);
        t.backup_id = std::move(backup_id);
        t.status = status;
        closed.push_back(std::move(t));
        return closed.back();
    }
    RetentionPlan plan() {
        RetentionInputBuilder builder;
        for (const auto& b : backups) builder.add_backup(b);
        input = std::move(builder.input());
        input.servers = servers;
        input.closed_tasks = closed;
        return plan_retention(input, policy, now);
    }
    std::string id(const RetentionDecision& d) const { return input.backups[d.backup].id; }

    std::vector<std::string> deleted(const RetentionPlan& p) const {
        std::vector<std::string> out;
        for (const auto& d : p.deletes) out.push_back(id(d));
        return out;
    }
    std::map<std::string, RetentionDecision> kept(const RetentionPlan& p) const {
        std::map<std::string, RetentionDecision> out;
        for (const auto& d : p.keeps) out[id(d)] = d;
        return out;
    }
    std::map<std::string, std::uint32_t> waves(const RetentionPlan& p) const {
        std::map<std::string, std::uint32_t> out;
        for (const auto& d : p.deletes) out[id(d)] = d.wave;
        return out;
    }
    const RetentionDecision& decision(const RetentionPlan& p, const std::string& backup_id) const {
        for (const auto& d : p.deletes)
            if (id(d) == backup_id) return d;
        for (const auto& d : p.keeps)
            if (id(d) == backup_id) return d;
        FAIL("no decision for " << backup_id);
        return p.deletes.front();
    }
    std::string text(const RetentionPlan& p, const std::string& backup_id) const {
        return describe(decision(p, backup_id), input, now);
    }
};

using Ids = std::vector<std::string>;

}  // namespace

TEST_CASE("the worked example of the retention header holds") {
    Cloud c;
    c.server("web", {"v"});
    c.backup("F1", "v", true, false, 1);
    c.backup("I1", "v", true, true, 2);
    c.backup("I2", "v", true, true, 3);
    c.backup("F2", "v", true, false, 10);
    c.backup("I3", "v", true, true, 11);
    c.backup("U", "v", false, false, 12);
    c.backup("I4", "v", true, true, 14);
    auto plan = c.plan();
    CHECK(c.deleted(plan) == Ids{"I3", "F2", "I2", "I1", "F1"});
    CHECK(c.waves(plan) == std::map<std::string, std::uint32_t>{{"I3", 0}, {"F2", 1}, {"I2", 0}, {"I1", 1}, {"F1", 2}});
    auto kept = c.kept(plan);
    REQUIRE(kept.size() == 1);
    CHECK(kept["I4"].reason == RetentionReason::within_retention);
}

TEST_CASE("with the newest backup missing, the safety floor keeps the newest staffeln chain") {
    Cloud c;
    c.server("web", {"v"});
    c.backup("F2", "v", true, false, 10);
    c.backup("I3", "v", true, true, 11);
    c.backup("U", "v", false, false, 12);
    auto plan = c.plan();
    CHECK(c.deleted(plan).empty());
    auto kept = c.kept(plan);
    CHECK(kept["F2"].reason == RetentionReason::safety_floor);
    CHECK(kept["I3"].reason == RetentionReason::safety_floor);
}

TEST_CASE("an expired backup is deleted with its age and the policy that expired it") {
    Cloud c;
    c.server("web", {"v"}, false);
    c.backup("b1", "v", true, false, 1);
    auto plan = c.plan();
    REQUIRE(c.deleted(plan) == Ids{"b1"});
    CHECK(plan.deletes[0].reason == RetentionReason::expired);
    CHECK(c.text(plan, "b1") ==
          "delete backup b1 of volume v (wave 0): age 2w5d exceeds retention 1w (retention_time)");
}

TEST_CASE("a backup is expired only when strictly older than its retention") {
    Cloud c;
    c.server("web", {"v"}, false);
    c.backup("exact", "v", true, false, 13);
    c.backup("older", "v", true, false, 12).created_at -= seconds(1);
    c.backups.back().data_timestamp = c.backups.back().created_at;
    auto plan = c.plan();
    CHECK(c.deleted(plan) == Ids{"older"});
    CHECK(c.kept(plan)["exact"].reason == RetentionReason::within_retention);
}

TEST_CASE("retention keeps a full backup that a kept incremental still needs") {
    Cloud c;
    c.server("web", {"v"}, false);
    c.backup("F", "v", true, false, 1);
    c.backup("I1", "v", true, true, 5);
    c.backup("I2", "v", true, true, 15);
    auto plan = c.plan();
    CHECK(c.deleted(plan).empty());
    auto kept = c.kept(plan);
    CHECK(kept["I2"].reason == RetentionReason::within_retention);
    CHECK(kept["I1"].reason == RetentionReason::needed_by_kept);
    CHECK(c.id({kept["I1"].related}) == "I2");
    CHECK(kept["F"].reason == RetentionReason::needed_by_kept);
    CHECK(c.id({kept["F"].related}) == "I1");
    CHECK(
        c.text(plan, "F") ==
        "keep backup F of volume v: age 2w5d exceeds retention 1w (retention_time), but kept backup I1 depends on it");
}

TEST_CASE("expired chains of every depth go newest first, each parent one wave after its child") {
    for (int depth = 0; depth <= 6; ++depth) {
        CAPTURE(depth);
        Cloud c;
        c.server("web", {"v"}, false);
        c.backup("F", "v", true, false, 1);
        Ids expected{"F"};
        for (int k = 1; k <= depth; ++k) {
            c.backup("I" + std::to_string(k), "v", true, true, 1 + k);
            expected.insert(expected.begin(), "I" + std::to_string(k));
        }
        auto plan = c.plan();
        CHECK(c.deleted(plan) == expected);
        for (std::size_t i = 0; i < plan.deletes.size(); ++i) CHECK(plan.deletes[i].wave == i);
    }
}

TEST_CASE("several chains of one volume: an expired chain goes, a fresh one stays") {
    Cloud c;
    c.server("web", {"v"}, false);
    for (auto [id, incr, d] : {std::tuple{"F1", false, 1},
                               {"I11", true, 2},
                               {"I12", true, 3},
                               {"F2", false, 10},
                               {"I21", true, 11},
                               {"I22", true, 14},
                               {"F3", false, 15},
                               {"I31", true, 16}})
        c.backup(id, "v", true, incr, d);
    auto plan = c.plan();
    CHECK(c.deleted(plan) == Ids{"I12", "I11", "F1"});
    auto kept = c.kept(plan);
    CHECK(kept["F2"].reason == RetentionReason::needed_by_kept);
    CHECK(kept["I21"].reason == RetentionReason::needed_by_kept);
    CHECK(kept["I22"].reason == RetentionReason::within_retention);
    CHECK(kept.size() == 5);
}

TEST_CASE("each volume's retention comes from its tagged server's metadata, else retention_time") {
    Cloud c;
    c.policy.safety_floor = false;
    c.server("short", {"v-short"}, true, "3d");
    c.server("long", {"v-long"}, true, "1mon");
    c.server("plain", {"v-plain"});
    for (const char* v : {"v-short", "v-long", "v-plain"}) {
        c.backup(std::string(v) + "-5d", v, true, false, 15);
        c.backup(std::string(v) + "-10d", v, true, false, 10);
    }
    auto plan = c.plan();
    CHECK(c.deleted(plan) == Ids{"v-short-5d", "v-short-10d", "v-plain-10d"});
    CHECK(c.text(plan, "v-short-5d") ==
          "delete backup v-short-5d of volume v-short (wave 0): age 5d exceeds retention 3d (server short's retention "
          "metadata)");
    CHECK(c.text(plan, "v-long-10d") ==
          "keep backup v-long-10d of volume v-long: age 1w3d within retention 30d (server long's retention metadata)");
    CHECK(plan.warnings.empty());
}

TEST_CASE("a volume attached to several tagged servers keeps the longest of their retentions") {
    Cloud c;
    c.policy.safety_floor = false;
    c.server("a", {"shared"}, true, "1d");
    c.server("b", {"shared"}, true, "2w");
    c.server("untagged", {"shared"}, false, "1w");
    c.backup("b10", "shared", true, false, 10);
    auto plan = c.plan();
    CHECK(c.deleted(plan).empty());
    CHECK(c.kept(plan)["b10"].retention == seconds(14 * 86400));
    CHECK(c.kept(plan)["b10"].policy_server == 1);
}

TEST_CASE("an invalid or over-100y retention value warns with the server and the value, retention_time applies") {
    struct Row {
        const char* value;
        const char* why;
    };
    const Row rows[] = {
        {"5x", "invalid duration '5x': unknown unit at 'x' (expected e.g. 2w3d, 20min or 1y2mon10d5h30min10s)"},
        {"", "invalid duration '': it is empty (expected e.g. 2w3d, 20min or 1y2mon10d5h30min10s)"},
        {"forever",
         "invalid duration 'forever': a number must come before 'forever' (expected e.g. 2w3d, 20min or "
         "1y2mon10d5h30min10s)"},
        {"100y1s", "it is longer than 100y"},
        {"99999999999y", "it is longer than 100y"},
        {"99999999999999y",
         "invalid duration '99999999999999y': it is too long (expected e.g. 2w3d, 20min or "
         "1y2mon10d5h30min10s)"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.value);
        Cloud c;
        c.policy.safety_floor = false;
        c.server("web", {"v"}).metadata["__staffeln_retention"] = row.value;
        c.backup("b10", "v", true, false, 10);
        auto plan = c.plan();
        REQUIRE(plan.warnings.size() == 1);
        CHECK(plan.warnings[0].server_id == "srv-web");
        CHECK(plan.warnings[0].server_name == "web");
        CHECK(plan.warnings[0].value == row.value);
        CHECK(plan.warnings[0].message ==
              std::string("server web (srv-web): retention metadata __staffeln_retention='") + row.value +
                  "' is ignored (" + row.why + "); using retention_time 1w");
        CHECK(c.deleted(plan) == Ids{"b10"});
        CHECK(plan.deletes[0].policy_server == -1);
    }
}

TEST_CASE("one warning per server however many volumes and backups it has") {
    Cloud c;
    c.server("web", {"v1", "v2"}, true, "bad");
    for (int d = 1; d < 20; ++d) {
        c.backup("a" + std::to_string(d), "v1", true, false, d);
        c.backup("b" + std::to_string(d), "v2", true, false, d);
    }
    CHECK(c.plan().warnings.size() == 1);
}

TEST_CASE("the safety floor keeps the newest available chain of a tagged server's volume, off, all expire") {
    for (bool floor : {true, false}) {
        CAPTURE(floor);
        Cloud c;
        c.policy.safety_floor = floor;
        c.server("web", {"v"});
        c.backup("F1", "v", true, false, 1);
        c.backup("F2", "v", true, false, 3);
        c.backup("I21", "v", true, true, 4);
        c.backup("I22", "v", true, true, 5);
        c.backup("failed", "v", true, true, 6, "error");
        auto plan = c.plan();
        if (floor) {
            CHECK(c.deleted(plan) == Ids{"failed", "F1"});
            auto kept = c.kept(plan);
            for (const char* id : {"F2", "I21", "I22"}) CHECK(kept[id].reason == RetentionReason::safety_floor);
            CHECK(c.text(plan, "I22") ==
                  "keep backup I22 of volume v: safety floor, newest available chain of a volume whose server is still "
                  "tagged (age 2w1d exceeds retention 1w (retention_time))");
        } else {
            CHECK(c.deleted(plan) == Ids{"failed", "I22", "I21", "F2", "F1"});
        }
    }
}

TEST_CASE("a backup being restored is whole: the safety floor is its chain, and nothing of it is deleted") {
    Cloud c;
    c.server("web", {"v"});
    c.backup("F1", "v", true, false, 1);
    c.backup("F2", "v", true, false, 3);
    c.backup("I21", "v", true, true, 4, "restoring");
    c.record("task-I21", "I21", TaskStatus::succeeded);
    auto plan = c.plan();
    CHECK(c.deleted(plan) == Ids{"F1"});
    auto kept = c.kept(plan);
    CHECK(kept["F2"].reason == RetentionReason::safety_floor);
    CHECK(kept["I21"].reason == RetentionReason::safety_floor);

    Cloud alone;  // the newest full being restored: the older chain is not kept in its place
    alone.server("web", {"v"});
    alone.backup("F1", "v", true, false, 1);
    alone.backup("F2", "v", true, false, 3, "restoring");
    plan = alone.plan();
    CHECK(alone.deleted(plan) == Ids{"F1"});
    CHECK(alone.kept(plan)["F2"].reason == RetentionReason::safety_floor);
}

TEST_CASE(
    "an untagged server's retention value still applies, as upstream's, and deleted servers' volumes use "
    "retention_time") {
    Cloud c;
    c.server("untagged", {"v-untagged"}, false, "1y");  // upstream reads every server's value
    c.server("plain-untagged", {"v-plain"}, false);
    c.backup("u1", "v-untagged", true, false, 10);
    c.backup("u-old", "v-untagged", true, false, -400);
    c.backup("p1", "v-plain", true, false, 10);
    c.backup("d1", "v-deleted", true, false, 10);  // no server lists this volume any more
    c.backup("d-fresh", "v-deleted", true, false, 18);
    auto plan = c.plan();
    // No safety floor for an untagged server: its expired backups all go.
    CHECK(c.deleted(plan) == Ids{"u-old", "p1", "d1"});
    CHECK(c.text(plan, "u1") ==
          "keep backup u1 of volume v-untagged: age 1w3d within retention 365d (server untagged's retention metadata)");
    CHECK(c.text(plan, "p1") ==
          "delete backup p1 of volume v-plain (wave 0): age 1w3d exceeds retention 1w (retention_time)");
    CHECK(c.kept(plan)["d-fresh"].reason == RetentionReason::within_retention);
    CHECK(plan.warnings.empty());
}

TEST_CASE("a server's retention value is lower-cased as upstream's: 7D is 7d, 2W3D is 2w3d") {
    Cloud c;
    c.policy.safety_floor = false;
    c.server("upper", {"v-upper"}, true, "7D");
    c.server("mixed", {"v-mixed"}, true, "2W3D");
    c.backup("x8", "v-upper", true, false, 12);
    c.backup("x6", "v-upper", true, false, 14);
    c.backup("m", "v-mixed", true, false, 10);
    auto plan = c.plan();
    CHECK(plan.warnings.empty());
    CHECK(c.deleted(plan) == Ids{"x8"});
    CHECK(c.text(plan, "x6") ==
          "keep backup x6 of volume v-upper: age 6d within retention 1w (server upper's retention metadata)");
    CHECK(c.kept(plan)["m"].retention == seconds(17 * 86400));
}

TEST_CASE("a user's backup of the same volume is never deleted, however old") {
    Cloud c;
    c.policy.safety_floor = false;
    c.server("web", {"v"});
    c.backup("user-full", "v", false, false, 1);
    c.backup("user-error", "v", false, false, 2, "error");
    c.backup("ours", "v", true, false, 3);
    c.backup("described", "v", false, false, 4).description = "my copy, Backup by staffeln";
    auto plan = c.plan();
    CHECK(c.deleted(plan) == Ids{"ours"});
    CHECK(c.kept(plan).size() == 0);  // a user's backups are not staffeln's to report on
}

TEST_CASE("staffeln's backup that a user's incremental depends on stays") {
    Cloud c;
    c.policy.safety_floor = false;
    c.server("web", {"v"});
    c.backup("ours", "v", true, false, 1);
    c.backup("user-incr", "v", false, true, 2);
    auto plan = c.plan();
    CHECK(c.deleted(plan).empty());
    CHECK(c.kept(plan)["ours"].reason == RetentionReason::needed_by_kept);
    CHECK(c.id({c.kept(plan)["ours"].related}) == "user-incr");
}

TEST_CASE("a backup in the description form of the tag is staffeln's like one with metadata") {
    Cloud c;
    c.policy.safety_floor = false;
    c.server("web", {"v"});
    auto& b = c.backup("old-api", "v", false, false, 1);
    b.description = tag_fields("task-x", TagForm::description).description;
    CHECK(c.deleted(c.plan()) == Ids{"old-api"});
}

TEST_CASE("staffeln backups in error are deleted whatever their age, before their parent") {
    Cloud c;
    c.server("web", {"v"});
    c.backup("F", "v", true, false, 18);
    c.backup("E", "v", true, true, 19, "error");
    auto plan = c.plan();
    CHECK(c.deleted(plan) == Ids{"E"});
    CHECK(plan.deletes[0].reason == RetentionReason::error_status);
    CHECK(c.text(plan, "E") == "delete backup E of volume v (wave 0): staffeln backup in error");
}

TEST_CASE("backups of failed and cancelled tasks are deleted, a creating one by force") {
    Cloud c;
    c.server("web", {"v"});
    c.backup("F", "v", true, false, 18);
    c.backup("cancelled", "v", true, false, 19, "creating");
    c.backup("failed", "v", true, false, 19, "error");
    c.record("t-c", "cancelled", TaskStatus::cancelled);
    c.record("t-f", "failed", TaskStatus::failed);
    auto plan = c.plan();
    CHECK(c.deleted(plan) == Ids{"failed", "cancelled"});
    CHECK(c.decision(plan, "cancelled").force);
    CHECK_FALSE(c.decision(plan, "failed").force);
    CHECK(c.text(plan, "cancelled") ==
          "delete backup cancelled of volume v (wave 0, force): backup of cancelled task t-c");
    CHECK(c.text(plan, "failed") == "delete backup failed of volume v (wave 0): backup of failed task t-f");
    CHECK(plan.gone.empty());
}

TEST_CASE("store records whose backup Cinder no longer lists are reported gone") {
    Cloud c;
    c.server("web", {"v"});
    c.backup("kept", "v", true, false, 18);
    c.record("t-gone-ok", "vanished-1", TaskStatus::succeeded);
    c.record("t-gone-failed", "vanished-2", TaskStatus::failed);
    c.record("t-here", "kept", TaskStatus::succeeded);
    c.record("t-never", "", TaskStatus::failed);  // never reached Cinder: nothing to drop
    c.record("t-volume-gone", "vanished-3", TaskStatus::cancelled, "deleted-volume");
    auto plan = c.plan();
    CHECK(plan.gone == std::vector<std::uint32_t>{0, 1, 4});
    CHECK(c.deleted(plan).empty());
}

TEST_CASE("a failed record naming a backup without staffeln's tag never deletes it") {
    Cloud c;
    c.server("web", {"v"});
    c.backup("users", "v", false, false, 19, "error");
    c.record("t-f", "users", TaskStatus::failed);
    auto plan = c.plan();
    CHECK(c.deleted(plan).empty());
    CHECK(plan.gone.empty());
}

TEST_CASE("expired backups in a status Cinder cannot delete now are kept and retried next cycle") {
    for (const char* status : {"restoring", "creating", "deleting", "backing-up"}) {
        CAPTURE(status);
        Cloud c;
        c.policy.safety_floor = false;
        c.server("web", {"v"});
        c.backup("b", "v", true, false, 1, status);
        auto plan = c.plan();
        CHECK(c.deleted(plan).empty());
        CHECK(c.kept(plan)["b"].reason == RetentionReason::busy);
    }
    Cloud c;
    c.policy.safety_floor = false;
    c.server("web", {"v"});
    c.backup("b", "v", true, false, 1, "restoring");
    CHECK(c.text(c.plan(), "b") ==
          "keep backup b of volume v: status restoring forbids a delete now; retried next cycle");
}

TEST_CASE("a backup Cinder says has dependents that the listing does not show is kept") {
    Cloud c;
    c.policy.safety_floor = false;
    c.server("web", {"v"});
    c.backup("b", "v", true, false, 1).has_dependent_backups = true;
    auto plan = c.plan();
    CHECK(c.deleted(plan).empty());
    CHECK(c.kept(plan)["b"].reason == RetentionReason::dependents_unseen);
    CHECK(c.text(plan, "b") ==
          "keep backup b of volume v: Cinder reports dependent backups that its listing does not show");
}

TEST_CASE("chains are per volume and project: another project's incremental does not hold our full") {
    Cloud c;
    c.policy.safety_floor = false;
    c.server("web", {"v"});
    c.backup("ours", "v", true, false, 1);
    c.backup("elsewhere", "v", false, true, 2).project_id = "p2";
    CHECK(c.deleted(c.plan()) == Ids{"ours"});
}

// Carries plans out against a Cinder that refuses to delete a backup with dependents,
// cycle after cycle, while the conductor keeps adding a backup a day.
TEST_CASE("over many cycles retention never asks Cinder to delete a backup that still has dependents") {
    Cloud c;
    c.server("web", {"v1", "v2"}, true, "5d");
    for (int today = 1; today <= 60; ++today) {
        c.now = day(today);
        bool incremental = today % 4 != 1;  // a full every 4 days, like full_backup_depth 3
        for (const char* v : {"v1", "v2"})
            c.backup(std::string(v) + "-" + std::to_string(today), v, true, incremental, today);
        auto plan = c.plan();
        std::uint32_t wave = 0;
        for (bool progress = true; progress; ++wave) {
            progress = false;
            for (const auto& d : plan.deletes) {
                if (d.wave != wave) continue;
                progress = true;
                auto id = c.id(d);
                auto it = std::find_if(c.backups.begin(), c.backups.end(), [&](auto& b) { return b.id == id; });
                REQUIRE(it != c.backups.end());
                auto next = std::next(it);
                while (next != c.backups.end() && next->volume_id != it->volume_id) ++next;
                bool has_dependent = next != c.backups.end() && next->is_incremental;
                CHECK_FALSE(has_dependent);
                c.backups.erase(it);
            }
        }
        // 5d of retention plus at most 3 more days for the rest of a chain still kept
        for (const auto& b : c.backups) CHECK(c.now - b.created_at <= std::chrono::seconds(8 * 86400));
    }
    CHECK(c.backups.size() >= 2 * 6);  // at least the 6 days within retention, per volume
}

TEST_CASE("a record is matched within its own volume's backups") {
    Cloud c;
    c.server("web", {"v", "w"});
    c.backup("F", "w", true, false, 18);
    c.backup("failed", "w", true, false, 19, "error");
    c.record("t-f", "failed", TaskStatus::failed, "w");
    auto plan = c.plan();
    REQUIRE(c.deleted(plan) == Ids{"failed"});
    CHECK(plan.deletes[0].reason == RetentionReason::closed_task);
    CHECK(plan.gone.empty());
}

TEST_CASE("planning twice on the same cloud gives the same plan, so a refused delete is simply planned again") {
    Cloud c;
    c.server("web", {"v"}, false);
    c.backup("F", "v", true, false, 1);
    c.backup("I", "v", true, true, 2);
    auto first = c.plan();
    auto second = c.plan();
    CHECK(c.deleted(first) == c.deleted(second));
    CHECK(c.waves(first) == c.waves(second));
}

// Retention rules (rule 4 of the header).

namespace {

using namespace std::chrono_literals;
using std::chrono::sys_days;
using std::chrono::year_month_day;

RetentionRules rules_of(const char* text) { return parse_retention_rules(text).value(); }

void at(Backup& b, std::chrono::sys_seconds t) { b.created_at = b.data_timestamp = t; }

std::set<std::string> kept_ids(const Cloud& c, const RetentionPlan& p) {
    std::set<std::string> out;
    for (const auto& d : p.keeps) out.insert(c.id(d));
    return out;
}

}  // namespace

TEST_CASE("without a retention policy nothing changes: the rules are unset by default") {
    RetentionPolicy policy;
    CHECK(!policy.rules);
    CHECK(policy.rules_metadata_key.empty());
    CHECK(policy.timezone.name() == "UTC");
    CHECK(policy.timezone.offset_at(day(0)) == 0s);
}

TEST_CASE("last=N keeps the N newest available staffeln backups, whatever their age") {
    Cloud c;
    c.server("web", {"v"});
    c.policy.rules = rules_of("last=2");
    c.backup("b1", "v", true, false, 1);
    c.backup("b2", "v", true, false, 2);
    c.backup("b3", "v", true, false, 3);
    c.backup("e4", "v", true, false, 4, "error");
    c.backup("u5", "v", false, false, 5);
    auto plan = c.plan();
    CHECK(c.deleted(plan) == Ids{"e4", "b1"});
    CHECK(kept_ids(c, plan) == std::set<std::string>{"b2", "b3"});
    CHECK(c.decision(plan, "b3").reason == RetentionReason::rule);
    CHECK(c.decision(plan, "b3").bucket == 1);
    CHECK(c.text(plan, "b2") ==
          "keep backup b2 of volume v: last 2 (retention_policy); age 2w4d exceeds retention 1w "
          "(retention_time)");
}

TEST_CASE("daily, weekly, monthly and yearly keep the newest backup of each of their newest buckets") {
    Cloud c;
    c.server("web", {"v"});
    c.policy.rules = rules_of("daily=2,weekly=2,monthly=2,yearly=2");
    c.policy.retention_time = 0s;
    using namespace std::chrono;
    // Wednesday 2026-12-02 and Thursday 2026-12-03 (ISO week 49), two backups a day.
    struct Row {
        const char* id;
        year_month_day day;
        seconds time;
    };
    const Row rows[] = {
        {"2025-06-01", 2025y / June / 1, 10h},       {"2025-12-30", 2025y / December / 30, 10h},
        {"2026-10-31", 2026y / October / 31, 10h},   {"2026-11-29a", 2026y / November / 29, 9h},
        {"2026-11-29b", 2026y / November / 29, 10h}, {"2026-12-02a", 2026y / December / 2, 1h},
        {"2026-12-02b", 2026y / December / 2, 2h},   {"2026-12-03a", 2026y / December / 3, 1h},
        {"2026-12-03b", 2026y / December / 3, 2h},
    };
    for (const auto& r : rows) at(c.backup(r.id, "v", true, false, 0), sys_days{r.day} + r.time);
    c.now = sys_days{2026y / December / 3} + 12h;
    auto plan = c.plan();
    // daily: 12-03b, 12-02b; weekly: 12-03b (W49), 11-29b (W48); monthly: 12-03b, 10-31 (November's
    // newest is 11-29b, already kept); yearly: 12-03b, 12-30 of 2025.
    CHECK(kept_ids(c, plan) == std::set<std::string>{"2026-12-03b", "2026-12-02b", "2026-11-29b", "2025-12-30"});
    CHECK(c.text(plan, "2026-12-02b") ==
          "keep backup 2026-12-02b of volume v: daily 2026-12-02 (retention_policy); age 1d10h exceeds retention 0s "
          "(retention_time)");
    CHECK(c.text(plan, "2026-11-29b") ==
          "keep backup 2026-11-29b of volume v: weekly 2026-W48 (retention_policy); age 4d2h exceeds retention 0s "
          "(retention_time)");
    CHECK(c.text(plan, "2025-12-30") ==
          "keep backup 2025-12-30 of volume v: yearly 2025 (retention_policy); age 11mon1w1d2h exceeds retention 0s "
          "(retention_time)");
    CHECK(c.deleted(plan) == Ids{"2026-12-03a", "2026-12-02a", "2026-11-29a", "2026-10-31", "2025-06-01"});
}

TEST_CASE("monthly buckets follow the timezone offset") {
    Cloud c;
    c.server("web", {"v"});
    c.policy.rules = rules_of("monthly=1");
    c.policy.retention_time = 0s;
    c.policy.safety_floor = false;
    using namespace std::chrono;
    at(c.backup("nov", "v", true, false, 0), sys_days{2026y / November / 30} + 22h);
    at(c.backup("dec", "v", true, false, 0), sys_days{2026y / November / 30} + 23h);  // December at +02:00
    c.now = sys_days{2026y / December / 10};
    c.policy.timezone = TimeZone::fixed("+02:00", 2h);
    auto plan = c.plan();
    CHECK(c.text(plan, "dec") ==
          "keep backup dec of volume v: monthly 2026-12 (retention_policy); age 1w2d1h exceeds "
          "retention 0s (retention_time)");
    CHECK(c.deleted(plan) == Ids{"nov"});
}

// Europe/Berlin from the system's tzdata: 2026-03-29 01:00 UTC from +01:00 to +02:00, 2026-10-25
// 01:00 UTC back. A fixed offset would put each of these backups' days one off on one side.
TEST_CASE("daily and weekly buckets follow a named zone across both daylight saving changes") {
    using namespace std::chrono;
    auto berlin = config::resolve_time_zone("Europe/Berlin");
    REQUIRE(berlin.ok());
    auto plan_of = [&](std::vector<std::pair<const char*, TimePoint>> made, const char* rules) {
        Cloud c;
        c.server("web", {"v"});
        c.policy.rules = rules_of(rules);
        c.policy.retention_time = 0s;
        c.policy.safety_floor = false;
        c.policy.timezone = *berlin;
        for (auto [id, t] : made) at(c.backup(id, "v", true, false, 0), t);
        c.now = sys_days{2026y / December / 1};
        auto plan = c.plan();
        return std::pair{c, plan};
    };
    auto spring = sys_days{2026y / March / 29};
    {
        auto [c, plan] = plan_of({{"27-noon", spring - 48h + 12h},
                                  {"29-early", spring - 30min},         // 00:30 CET
                                  {"29-late", spring + 21h + 30min},    // 23:30 CEST
                                  {"30-early", spring + 22h + 30min}},  // 00:30 CEST
                                 "daily=3");
        CHECK(c.deleted(plan) == Ids{"29-early"});
        CHECK(c.text(plan, "30-early").find("daily 2026-03-30") != std::string::npos);
        CHECK(c.text(plan, "29-late").find("daily 2026-03-29") != std::string::npos);
        CHECK(c.text(plan, "27-noon").find("daily 2026-03-27") != std::string::npos);
    }
    {
        auto [c, plan] = plan_of({{"sat", spring - 12h},
                                  {"sun-late", spring + 21h + 30min},    // Sunday 23:30 CEST, week 13
                                  {"mon-early", spring + 22h + 30min}},  // Monday 00:30 CEST, week 14
                                 "weekly=2");
        CHECK(c.deleted(plan) == Ids{"sat"});
        CHECK(c.text(plan, "mon-early").find("weekly 2026-W14") != std::string::npos);
        CHECK(c.text(plan, "sun-late").find("weekly 2026-W13") != std::string::npos);
    }
    auto autumn = sys_days{2026y / October / 25};
    {
        auto [c, plan] = plan_of({{"24-late", autumn - 2h - 30min},     // 23:30 CEST
                                  {"25-early", autumn - 1h - 30min},    // 00:30 CEST
                                  {"25-late", autumn + 22h + 30min},    // 23:30 CET
                                  {"26-early", autumn + 23h + 30min}},  // 00:30 CET
                                 "daily=3");
        CHECK(c.deleted(plan) == Ids{"25-early"});
        CHECK(c.text(plan, "26-early").find("daily 2026-10-26") != std::string::npos);
        CHECK(c.text(plan, "25-late").find("daily 2026-10-25") != std::string::npos);
        CHECK(c.text(plan, "24-late").find("daily 2026-10-24") != std::string::npos);
    }
}

TEST_CASE("the age limit and the rules combine: kept when either keeps it") {
    Cloud c;
    c.server("web", {"v"});
    c.policy.rules = rules_of("last=1");
    for (int d = 1; d <= 19; ++d) c.backup(fmt::format("b{:02}", d), "v", true, false, d);
    c.now = day(20);
    auto plan = c.plan();
    auto kept = c.kept(plan);
    CHECK(kept.size() == 7);  // days 13..19: within a week (the newest is kept by age, not by last=1)
    CHECK(kept["b19"].reason == RetentionReason::within_retention);
    CHECK(c.deleted(plan).size() == 12);
}

TEST_CASE("a kept incremental keeps its parents, and failed work never counts for a rule") {
    Cloud c;
    c.server("web", {"v"});
    c.policy.rules = rules_of("daily=2");
    c.backup("F", "v", true, false, 1);
    c.backup("I1", "v", true, true, 2);
    c.backup("I2", "v", true, true, 3);
    c.backup("X", "v", true, false, 4);
    c.record("task-X", "X", TaskStatus::failed);
    c.backup("E", "v", true, false, 5, "error");
    auto plan = c.plan();
    CHECK(c.decision(plan, "I2").reason == RetentionReason::rule);
    CHECK(c.decision(plan, "I1").reason == RetentionReason::rule);
    CHECK(c.decision(plan, "F").reason == RetentionReason::needed_by_kept);
    CHECK(
        c.text(plan, "F") ==
        "keep backup F of volume v: age 2w5d exceeds retention 1w (retention_time), but kept backup I1 depends on it");
    CHECK(c.deleted(plan) == Ids{"E", "X"});
}

TEST_CASE("per-server policy metadata: union over a volume's servers, an invalid value warns and the default applies") {
    Cloud c;
    c.policy.rules = rules_of("last=1");
    c.policy.rules_metadata_key = "__staffeln_retention_policy";
    c.server("a", {"v"}).metadata["__staffeln_retention_policy"] = "last=2";
    c.server("b", {"v"}).metadata["__staffeln_retention_policy"] = "daily=3";
    c.server("bad", {"w"}).metadata["__staffeln_retention_policy"] = "hourly=3";
    c.server("plain", {"x"});
    for (const char* v : {"v", "w", "x"})
        for (int d = 1; d <= 5; ++d) c.backup(fmt::format("{}{}", v, d), v, true, false, d);
    auto plan = c.plan();
    auto kept = kept_ids(c, plan);
    CHECK(kept == std::set<std::string>{"v5", "v4", "v3", "w5", "x5"});
    CHECK(c.text(plan, "v3") == "keep backup v3 of volume v: daily " +
                                    bucket_label(RuleKind::daily, calendar_bucket(RuleKind::daily, day(3), 0s)) +
                                    " (server b's retention policy metadata); age 2w3d exceeds retention 1w "
                                    "(retention_time)");
    REQUIRE(plan.warnings.size() == 1);
    CHECK(plan.warnings[0].server_name == "bad");
    CHECK(plan.warnings[0].value == "hourly=3");
    CHECK(plan.warnings[0].message ==
          "server bad (srv-bad): retention policy metadata __staffeln_retention_policy='hourly=3' is ignored "
          "(retention policy 'hourly=3': unknown rule 'hourly' (expected last, daily, weekly, monthly or yearly)); "
          "using retention_policy 'last=1'");
    CHECK(c.text(plan, "w5") ==
          "keep backup w5 of volume w: last 1 (retention_policy); age 2w1d exceeds retention 1w "
          "(retention_time)");
}

// Property test: random histories and policies, against a reference computed independently.
TEST_CASE("property: kept sets are closed under parent-of, hold every rule's pick, and no other expired backup") {
    std::mt19937 rng(20261205);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (int round = 0; round < 400; ++round) {
        CAPTURE(round);
        Cloud c;
        c.policy.retention_time = seconds(pick(0, 40) * 86400);
        c.policy.safety_floor = pick(0, 1) == 1;
        // A fixed offset, or one that changes twice a year as daylight saving time does.
        auto standard = seconds(pick(-14, 13) * 3600);
        std::vector<ZoneTransition> changes{{day(0), standard}};
        if (pick(0, 1) == 1)
            for (int d = 0; d < 900; d += 365) {
                changes.push_back({day(d + 80) + seconds(pick(0, 86399)), standard + std::chrono::hours(1)});
                changes.push_back({day(d + 300) + seconds(pick(0, 86399)), standard});
            }
        c.policy.timezone = TimeZone("zone", changes);
        RetentionRules rules;
        for (auto& n : rules.count) n = pick(0, 2) == 0 ? 0 : static_cast<std::uint32_t>(pick(1, 6));
        if (!rules.empty()) c.policy.rules = rules;
        c.now = day(900);
        c.server("web", {"v"}, pick(0, 3) != 0);
        int n = pick(1, 60);
        for (int i = 0; i < n; ++i) {
            const char* status = pick(0, 9) == 0 ? "error" : (pick(0, 19) == 0 ? "deleting" : "available");
            auto& b = c.backup(fmt::format("b{:03}", i), "v", pick(0, 9) != 0, pick(0, 2) != 0, 0, status);
            at(b, day(pick(0, 899)) + seconds(pick(0, 86399)));
        }
        auto plan = c.plan();
        CAPTURE(format_retention_rules(rules));

        // The reference: each rule's picks, from a map of buckets.
        std::vector<const Backup*> candidates;
        for (const auto& b : c.backups)
            if (made_by_staffeln(b) && b.status == "available") candidates.push_back(&b);
        std::sort(candidates.begin(), candidates.end(),
                  [](auto a, auto b) { return std::tie(a->created_at, a->id) > std::tie(b->created_at, b->id); });
        std::set<std::string> picked;
        for (std::size_t i = 0; i < candidates.size() && i < rules[RuleKind::last]; ++i)
            picked.insert(candidates[i]->id);
        for (auto kind : {RuleKind::daily, RuleKind::weekly, RuleKind::monthly, RuleKind::yearly}) {
            std::map<std::int64_t, const Backup*, std::greater<>> newest;
            for (auto b : candidates)
                newest.try_emplace(calendar_bucket(kind, b->created_at, c.policy.timezone.offset_at(b->created_at)), b);
            std::uint32_t taken = 0;
            for (auto& [bucket, b] : newest)
                if (taken++ < rules[kind]) picked.insert(b->id);
        }

        std::set<std::string> deleted;
        for (const auto& d : plan.deletes) deleted.insert(c.id(d));
        // Closed under parent-of: nothing that stays depends on a deleted backup.
        std::vector<const Backup*> chain;
        for (const auto& b : c.backups) chain.push_back(&b);
        std::vector<ChainNode> nodes;
        std::sort(chain.begin(), chain.end(), [](auto a, auto b) {
            return std::tie(a->data_timestamp, a->created_at, a->id) <
                   std::tie(b->data_timestamp, b->created_at, b->id);
        });
        for (auto b : chain)
            nodes.push_back({b->id, b->data_timestamp, b->created_at, b->is_incremental, can_be_parent(b->status)});
        auto parent = infer_parents(nodes);
        for (std::size_t i = 0; i < chain.size(); ++i)
            if (!deleted.count(chain[i]->id) && parent[i] != kNoParent) CHECK(!deleted.count(chain[parent[i]]->id));
        // Every rule's pick is kept, by age or by a rule.
        for (const auto& id : picked) {
            CAPTURE(id);
            CHECK(!deleted.count(id));
            auto reason = c.decision(plan, id).reason;
            CHECK((reason == RetentionReason::within_retention || reason == RetentionReason::rule));
        }
        // No expired backup is kept by a rule that did not pick it; other keeps have their own reason.
        for (const auto& d : plan.keeps) {
            const auto& id = c.id(d);
            bool expired = c.now - c.input.backups[d.backup].created_at > c.policy.retention_time.fixed;
            if (!expired) continue;
            CAPTURE(id);
            if (picked.count(id)) continue;
            CHECK((d.reason == RetentionReason::safety_floor || d.reason == RetentionReason::needed_by_kept ||
                   d.reason == RetentionReason::busy || d.reason == RetentionReason::dependents_unseen));
        }
    }
}

TEST_CASE("a server's mon and y are calendar months and years back from now, as upstream's relativedelta counts them") {
    Cloud c;
    c.policy.safety_floor = false;
    c.now = TimePoint{seconds(1774958400)};        // 2026-03-31 12:00 UTC
    c.server("monthly", {"v-mon"}, true, "1mon");  // back to 2026-02-28 12:00: 31 days
    c.server("yearly", {"v-y"}, true, "12mon");    // back to 2025-03-31 12:00: 365 days, not 360
    auto made = [&](const char* id, const char* volume, std::chrono::seconds age) {
        c.backup(id, volume, true, false, 0).created_at = c.now - age;
    };
    made("m-30d5h", "v-mon", std::chrono::hours(30 * 24 + 5));
    made("m-31d1h", "v-mon", std::chrono::hours(31 * 24 + 1));
    made("y-362d", "v-y", std::chrono::hours(362 * 24));
    made("y-366d", "v-y", std::chrono::hours(366 * 24));
    c.policy.retention_time = CalendarDuration{1, seconds(0)};  // the config's 1mon: 31 days back too
    c.server("plain", {"v-plain"});
    made("p-30d5h", "v-plain", std::chrono::hours(30 * 24 + 5));
    made("p-31d1h", "v-plain", std::chrono::hours(31 * 24 + 1));
    auto plan = c.plan();
    CHECK(c.deleted(plan) == Ids{"m-31d1h", "y-366d", "p-31d1h"});
    CHECK(c.text(plan, "p-30d5h") ==
          "keep backup p-30d5h of volume v-plain: age 1mon5h within retention 31d (retention_time)");
    CHECK(c.text(plan, "m-30d5h") ==
          "keep backup m-30d5h of volume v-mon: age 1mon5h within retention 31d (server monthly's retention metadata)");
    CHECK(c.text(plan, "y-362d") ==
          "keep backup y-362d of volume v-y: age 12mon2d within retention 365d (server yearly's retention metadata)");
}

TEST_CASE("a project outside the scope: its backups are neither deleted nor kept, nor their records gone") {
    for (bool by_include : {false, true}) {
        CAPTURE(by_include);
        Cloud c;
        c.server("web", {"v"});
        c.backup("F1", "v", true, false, 1);           // expired
        c.backup("E1", "v", true, false, 2, "error");  // in error
        c.backup("I4", "v", true, true, 18);           // fresh
        Backup& other = c.backup("O1", "w", true, false, 1);
        other.project_id = "p2";  // expired, in scope
        c.record("t-failed", "E1", TaskStatus::failed);
        c.record("t-f1", "F1", TaskStatus::succeeded);
        c.record("t-gone", "vanished", TaskStatus::succeeded);
        auto lists = by_include ? ProjectScopeLists{{"p2"}, {}} : ProjectScopeLists{{}, {"acme"}};
        c.policy.scope = resolve_project_scope(lists, {{"p1", "acme", "default"}, {"p2", "globex", "default"}}).scope;
        auto plan = c.plan();
        CHECK(c.deleted(plan) == Ids{"O1"});
        CHECK(plan.keeps.empty());
        CHECK(plan.gone == std::vector<std::uint32_t>{2});
    }
}
