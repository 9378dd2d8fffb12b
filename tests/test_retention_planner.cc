#include "staffeln/core/retention_planner.h"

#include "staffeln/core/backup_tag.h"

#include <doctest/doctest.h>

#include <map>

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
          "keep backup v-long-10d of volume v-long: age 1w3d within retention 1mon (server long's retention metadata)");
    CHECK(plan.warnings.empty());
}

TEST_CASE("a volume attached to several tagged servers keeps the longest of their retentions") {
    Cloud c;
    c.policy.safety_floor = false;
    c.server("a", {"shared"}, true, "1d");
    c.server("b", {"shared"}, true, "2w");
    c.server("untagged", {"shared"}, false, "1y");
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

TEST_CASE("untagged and deleted servers' volumes expire by retention_time with no safety floor") {
    Cloud c;
    c.server("untagged", {"v-untagged"}, false, "1y");  // its metadata no longer counts
    c.backup("u1", "v-untagged", true, false, 10);
    c.backup("d1", "v-deleted", true, false, 10);  // no server lists this volume any more
    c.backup("d-fresh", "v-deleted", true, false, 18);
    auto plan = c.plan();
    CHECK(c.deleted(plan) == Ids{"u1", "d1"});
    CHECK(c.kept(plan)["d-fresh"].reason == RetentionReason::within_retention);
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
