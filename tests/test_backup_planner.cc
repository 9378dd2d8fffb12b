#include "staffeln/core/backup_planner.h"

#include "staffeln/config/time_zone.h"
#include "staffeln/core/backup_tag.h"
#include "staffeln/duration.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>
#include <random>
#include <set>

using namespace staffeln;
using namespace staffeln::core;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

const TimePoint kT0{seconds(1763785360)};

template <class A>
std::vector<A> all(const BackupPlan& plan) {
    std::vector<A> out;
    for (const auto& a : plan.actions)
        if (auto* p = std::get_if<A>(&a)) out.push_back(*p);
    return out;
}

// A small cloud plus store, and a shell that carries plans out the way the conductor would.
struct World {
    BackupSnapshot snap;
    BackupPolicy policy;
    TimePoint now = kT0;
    int ids = 0;
    TaskIdSource new_id = [this] { return "t" + std::to_string(++ids); };

    World() { policy.backup_metadata_key = "__automated_backup"; }

    Server& server(std::string name, std::vector<std::string> volume_ids, std::string flag = "true") {
        Server s;
        s.id = "srv-" + name;
        s.name = name;
        s.project_id = "p1";
        if (!flag.empty()) s.metadata["__automated_backup"] = flag;
        s.volume_ids = std::move(volume_ids);
        snap.servers.push_back(std::move(s));
        return snap.servers.back();
    }
    Volume& volume(std::string id, std::string status = "in-use", std::string project = "p1") {
        Volume v;
        v.id = id;
        v.name = "disk-" + id;
        v.status = std::move(status);
        v.project_id = std::move(project);
        return snap.volumes[id] = v;
    }
    Backup& backup(std::string id, std::string volume_id, std::string task_id, bool incremental, TimePoint data_time,
                   std::string status = "available") {
        Backup b;
        b.id = std::move(id);
        b.volume_id = std::move(volume_id);
        b.project_id = "p1";
        b.status = std::move(status);
        b.is_incremental = incremental;
        b.created_at = data_time;
        b.data_timestamp = data_time;
        if (!task_id.empty()) b.metadata = tag_fields(task_id, TagForm::metadata).metadata;
        snap.backups.push_back(std::move(b));
        return snap.backups.back();
    }
    TaskRecord& task(std::string id, std::string volume_id, TaskStatus status, std::string backup_id = "",
                     TimePoint created = kT0) {
        TaskRecord t;
        t.task_id = std::move(id);
        t.volume_id = std::move(volume_id);
        t.project_id = "p1";
        t.server_id = "srv-a";
        t.backup_id = std::move(backup_id);
        t.status = status;
        t.created_at = created;
        snap.tasks.push_back(std::move(t));
        return snap.tasks.back();
    }
    BackupPlan plan() { return plan_backups(snap, policy, now, new_id); }

    TaskRecord* find_task(const std::string& id) {
        for (auto& t : snap.tasks)
            if (t.task_id == id) return &t;
        return nullptr;
    }
    Backup* find_backup(const std::string& id) {
        for (auto& b : snap.backups)
            if (b.id == id) return &b;
        return nullptr;
    }

    // The shell: record, call Cinder (which accepts), record the answer.
    void create_in_cinder(const CreateBackup& c) {
        auto& b = backup("b-" + c.task_id + "-" + std::to_string(snap.backups.size()), c.volume_id, c.task_id,
                         c.kind == BackupKind::incremental, now, "creating");
        b.project_id = c.project_id;
    }
    void apply(const BackupPlan& plan) {
        for (const auto& action : plan.actions) {
            if (auto* c = std::get_if<CreateBackup>(&action)) {
                create_in_cinder(*c);
                task(c->task_id, c->volume_id, TaskStatus::in_flight, snap.backups.back().id, now).kind = c->kind;
            } else if (auto* r = std::get_if<RetryCreate>(&action)) {
                create_in_cinder(r->create);
                auto* t = find_task(r->create.task_id);
                t->status = TaskStatus::in_flight;
                t->backup_id = snap.backups.back().id;
            } else if (auto* d = std::get_if<CompleteTask>(&action)) {
                find_task(d->task_id)->status = TaskStatus::succeeded;
            } else if (auto* ad = std::get_if<AdoptBackup>(&action)) {
                if (auto* t = find_task(ad->task_id)) {
                    t->backup_id = ad->backup_id;
                    t->status = TaskStatus::in_flight;
                } else {
                    task(ad->task_id, ad->volume_id, TaskStatus::in_flight, ad->backup_id, ad->created_at);
                }
            } else if (auto* f = std::get_if<FailTask>(&action)) {
                find_task(f->task_id)->status = TaskStatus::failed;
            }
        }
    }
    void cinder_finishes() {
        for (auto& b : snap.backups)
            if (b.status == "creating") b.status = "available";
    }
};

// The set-up most cases start from: server "a", tagged, with volume "v1" in use.
struct OneServer {
    World w;
    OneServer() {
        w.volume("v1");
        w.server("a", {"v1"});
    }
};

std::string kinds(const std::vector<BackupKind>& seq) {
    std::string s;
    for (auto k : seq) s += k == BackupKind::full ? 'F' : 'I';
    return s;
}

}  // namespace

TEST_CASE("a tagged server's attached volumes each get a create, named and forced when in use") {
    World w;
    w.volume("v1", "in-use");
    w.volume("v2", "available", "p2");
    w.server("a", {"v1", "v2"});
    auto creates = all<CreateBackup>(w.plan());
    REQUIRE(creates.size() == 2);
    CHECK(creates[0].task_id == "t1");
    CHECK(creates[0].volume_id == "v1");
    CHECK(creates[0].project_id == "p1");
    CHECK(creates[0].server_id == "srv-a");
    CHECK(creates[0].name == "a_disk-v1_1763785360");
    CHECK(creates[0].force);
    CHECK(creates[0].kind == BackupKind::full);
    CHECK(creates[0].kind_reason == "full_backup_depth is 0: every backup is full");
    CHECK(creates[1].volume_id == "v2");
    CHECK(creates[1].project_id == "p2");  // the volume's own project, not the server's
    CHECK_FALSE(creates[1].force);
}

TEST_CASE("only servers whose backup metadata key is true in any letter case are backed up") {
    struct Row {
        const char* value;
        bool backed_up;
    };
    const Row rows[] = {{"true", true}, {"True", true}, {"TRUE", true}, {"false", false},
                        {"yes", false}, {"1", false},   {"", false},    {" true", false}};
    for (const auto& row : rows) {
        CAPTURE(row.value);
        World w;
        w.volume("v1");
        auto& s = w.server("a", {"v1"}, "");
        if (*row.value) s.metadata["__automated_backup"] = row.value;
        CHECK(all<CreateBackup>(w.plan()).size() == (row.backed_up ? 1u : 0u));
    }
}

TEST_CASE("without a backup metadata key every server is backed up") {
    World w;
    w.policy.backup_metadata_key.reset();
    w.volume("v1");
    w.server("a", {"v1"}, "");
    CHECK(all<CreateBackup>(w.plan()).size() == 1);
}

TEST_CASE("a volume attached to two tagged servers gets one task") {
    World w;
    w.volume("shared");
    w.server("a", {"shared"});
    w.server("b", {"shared"});
    auto plan = w.plan();
    auto creates = all<CreateBackup>(plan);
    REQUIRE(creates.size() == 1);
    CHECK(creates[0].server_id == "srv-a");
    CHECK(plan.actions.size() == 1);
}

TEST_CASE("a volume in a status other than available or in-use gets a failed task with the reason") {
    for (const char* status : {"error", "creating", "backing-up", "deleting", "maintenance", "reserved"}) {
        CAPTURE(status);
        World w;
        w.volume("v1", status);
        w.server("a", {"v1"});
        auto plan = w.plan();
        auto fails = all<FailVolume>(plan);
        REQUIRE(fails.size() == 1);
        CHECK(plan.actions.size() == 1);
        CHECK(fails[0].task_id == "t1");
        CHECK(fails[0].volume_id == "v1");
        CHECK(fails[0].reason ==
              std::string("volume v1 is '") + status + "'; only available or in-use volumes are backed up");
    }
}

TEST_CASE("a volume that vanished from Cinder gets a failed task naming it and the server") {
    World w;
    w.server("a", {"gone"});
    auto fails = all<FailVolume>(w.plan());
    REQUIRE(fails.size() == 1);
    CHECK(fails[0].reason == "volume gone attached to server a is not in Cinder's listing");
}

TEST_CASE("a volume carrying the skip flag is skipped with the reason, whatever the letter case") {
    World w;
    w.policy.skip_volume_metadata_key = "skip-volume-backup";
    w.volume("v1").metadata["skip-volume-backup"] = "True";
    w.volume("v2").metadata["skip-volume-backup"] = "false";
    w.server("a", {"v1", "v2"});
    auto plan = w.plan();
    auto skips = all<SkipVolume>(plan);
    REQUIRE(skips.size() == 1);
    CHECK(skips[0].code == SkipReason::skip_flag);
    CHECK(skips[0].reason == "volume metadata skip-volume-backup=True asks staffeln to skip it");
    REQUIRE(all<CreateBackup>(plan).size() == 1);
    CHECK(all<CreateBackup>(plan)[0].volume_id == "v2");
}

TEST_CASE("a volume with a staffeln backup newer than backup_min_interval is skipped") {
    struct Row {
        long long interval_h;
        long long age_h;
        bool skipped;
    };
    const Row rows[] = {{0, 0, false}, {24, 1, true}, {24, 23, true}, {24, 24, false}, {24, 48, false}, {1, 0, true}};
    for (const auto& row : rows) {
        CAPTURE(row.interval_h);
        CAPTURE(row.age_h);
        World w;
        w.policy.backup_min_interval = hours(row.interval_h);
        w.volume("v1");
        w.server("a", {"v1"});
        w.backup("old", "v1", "t0", false, kT0 - hours(row.age_h));
        auto skips = all<SkipVolume>(w.plan());
        CHECK(skips.size() == (row.skipped ? 1u : 0u));
        if (row.skipped) CHECK(skips[0].code == SkipReason::recent_backup);
    }
    World w;
    w.policy.backup_min_interval = hours(24);
    w.volume("v1");
    w.server("a", {"v1"});
    w.backup("old", "v1", "t0", false, kT0 - hours(3));
    CHECK(all<SkipVolume>(w.plan())[0].reason == "staffeln backup old was made 3h ago, within backup_min_interval 1d");
}

TEST_CASE_FIXTURE(OneServer,
                  "the min interval counts only staffeln's available backups, not a user's or a failed one") {
    w.policy.backup_min_interval = hours(24);
    w.backup("manual", "v1", "", false, kT0 - hours(1));
    w.backup("failed", "v1", "t0", false, kT0 - hours(1), "error");
    CHECK(all<CreateBackup>(w.plan()).size() == 1);
}

TEST_CASE_FIXTURE(OneServer, "a staffeln backup being restored counts for the min interval as an available one") {
    w.policy.backup_min_interval = hours(24);
    w.backup("b1", "v1", "t0", false, kT0 - hours(2), "restoring");
    auto skips = all<SkipVolume>(w.plan());
    REQUIRE(skips.size() == 1);
    CHECK(skips[0].code == SkipReason::recent_backup);
    CHECK(skips[0].reason == "staffeln backup b1 was made 2h ago, within backup_min_interval 1d");
}

TEST_CASE_FIXTURE(OneServer, "a volume whose staffeln backup is still creating is skipped as in flight") {
    w.backup("b1", "v1", "t0", false, kT0 - minutes(1), "creating");
    w.task("t0", "v1", TaskStatus::in_flight, "b1", kT0 - minutes(1));
    auto plan = w.plan();
    CHECK(all<CreateBackup>(plan).empty());
    auto skips = all<SkipVolume>(plan);
    REQUIRE(skips.size() == 1);
    CHECK(skips[0].code == SkipReason::in_flight);
    CHECK(skips[0].reason == "backup b1 of this volume is still creating");
}

TEST_CASE("full_backup_depth gives a full, then that many incrementals, then a full again") {
    struct Row {
        int depth;
        const char* pattern;
    };
    const Row rows[] = {
        {0, "FFFFFFFFFFFF"}, {1, "FIFIFIFIFIFI"}, {2, "FIIFIIFIIFII"}, {4, "FIIIIFIIIIFI"}, {20, "FIIIIIIIIIII"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.depth);
        World w;
        w.policy.full_backup_depth = row.depth;
        w.volume("v1");
        w.server("a", {"v1"});
        std::vector<BackupKind> seq;
        for (int cycle = 0; cycle < 12; ++cycle) {
            auto plan = w.plan();
            auto creates = all<CreateBackup>(plan);
            REQUIRE(creates.size() == 1);
            seq.push_back(creates[0].kind);
            w.apply(plan);
            w.cinder_finishes();
            w.now += hours(1);  // the next cycle completes this task and plans the next backup
        }
        CHECK(kinds(seq) == row.pattern);
    }
}

TEST_CASE_FIXTURE(OneServer, "an incremental names its expected parent and its place in the chain") {
    w.policy.full_backup_depth = 3;
    w.backup("f", "v1", "t0", false, kT0 - hours(3));
    w.backup("i1", "v1", "t1", true, kT0 - hours(2));
    auto creates = all<CreateBackup>(w.plan());
    REQUIRE(creates.size() == 1);
    CHECK(creates[0].kind == BackupKind::incremental);
    CHECK(creates[0].parent_id == "i1");
    CHECK(creates[0].kind_reason == "incremental 2 of 3 on backup i1");
}

TEST_CASE_FIXTURE(OneServer, "a full chain says why the next backup is full again") {
    w.policy.full_backup_depth = 1;
    w.backup("f", "v1", "t0", false, kT0 - hours(3));
    w.backup("i1", "v1", "t1", true, kT0 - hours(2));
    auto creates = all<CreateBackup>(w.plan());
    CHECK(creates[0].kind == BackupKind::full);
    CHECK(creates[0].kind_reason == "the chain on full backup f already has 1 incrementals (full_backup_depth 1)");
}

TEST_CASE_FIXTURE(OneServer,
                  "a user's manual backup newest by data time makes staffeln take a full, not chain onto it") {
    w.policy.full_backup_depth = 4;
    w.backup("f", "v1", "t0", false, kT0 - hours(3));
    w.backup("manual", "v1", "", false, kT0 - hours(1));
    auto creates = all<CreateBackup>(w.plan());
    REQUIRE(creates.size() == 1);
    CHECK(creates[0].kind == BackupKind::full);
    CHECK(creates[0].kind_reason ==
          "the newest available backup manual was not made by staffeln and Cinder would make it the parent");
}

TEST_CASE_FIXTURE(OneServer,
                  "after the full that followed a user's backup, staffeln's chain resumes with incrementals") {
    w.policy.full_backup_depth = 4;
    w.backup("manual", "v1", "", false, kT0 - hours(3));
    w.backup("f", "v1", "t0", false, kT0 - hours(2));
    auto creates = all<CreateBackup>(w.plan());
    CHECK(creates[0].kind == BackupKind::incremental);
    CHECK(creates[0].parent_id == "f");
}

TEST_CASE_FIXTURE(OneServer, "a user's incremental inside the chain makes the next backup a full") {
    w.policy.full_backup_depth = 4;
    w.backup("f", "v1", "t0", false, kT0 - hours(3));
    w.backup("user-incr", "v1", "", true, kT0 - hours(2));
    w.backup("i2", "v1", "t2", true, kT0 - hours(1));
    auto creates = all<CreateBackup>(w.plan());
    CHECK(creates[0].kind == BackupKind::full);
    CHECK(creates[0].kind_reason == "the chain under backup i2 includes backup user-incr, not made by staffeln");
}

TEST_CASE_FIXTURE(OneServer, "the parent rule ignores failed, creating and other projects' backups, as Cinder does") {
    w.policy.full_backup_depth = 4;
    w.backup("f", "v1", "t0", false, kT0 - hours(5));
    w.backup("err", "v1", "", false, kT0 - hours(4), "error");
    w.backup("other-project", "v1", "", false, kT0 - hours(3)).project_id = "p9";
    auto creates = all<CreateBackup>(w.plan());
    CHECK(creates[0].kind == BackupKind::incremental);
    CHECK(creates[0].parent_id == "f");
}

TEST_CASE_FIXTURE(OneServer,
                  "a backup being restored inside the chain keeps it whole: the next incremental chains past it") {
    w.policy.full_backup_depth = 4;
    w.backup("f", "v1", "t0", false, kT0 - hours(3), "restoring");
    w.backup("i1", "v1", "t1", true, kT0 - hours(2), "restoring");
    w.backup("i2", "v1", "t2", true, kT0 - hours(1));
    auto creates = all<CreateBackup>(w.plan());
    REQUIRE(creates.size() == 1);
    CHECK(creates[0].kind == BackupKind::incremental);
    CHECK(creates[0].parent_id == "i2");
    CHECK(creates[0].kind_reason == "incremental 3 of 4 on backup i2");
}

TEST_CASE_FIXTURE(OneServer,
                  "while the newest backup is being restored the next is a full, and once restored the chain resumes") {
    w.policy.full_backup_depth = 4;
    w.backup("f", "v1", "t0", false, kT0 - hours(3));
    auto& newest = w.backup("i1", "v1", "t1", true, kT0 - hours(2), "restoring");
    auto creates = all<CreateBackup>(w.plan());
    REQUIRE(creates.size() == 1);
    CHECK(creates[0].kind == BackupKind::full);
    CHECK(creates[0].kind_reason ==
          "the newest backup i1 is restoring; Cinder chains an incremental only onto an available backup");
    newest.status = "available";
    creates = all<CreateBackup>(w.plan());
    REQUIRE(creates.size() == 1);
    CHECK(creates[0].kind == BackupKind::incremental);
    CHECK(creates[0].parent_id == "i1");
    CHECK(creates[0].kind_reason == "incremental 2 of 4 on backup i1");
}

TEST_CASE_FIXTURE(
    OneServer,
    "a task's backup restored before the conductor saw it available completes, is not failed nor made again") {
    w.policy.full_backup_depth = 4;
    w.policy.backup_min_interval = hours(1);
    auto plan = w.plan();
    w.apply(plan);
    REQUIRE(all<CreateBackup>(plan).size() == 1);
    w.snap.backups.back().status = "restoring";  // available, then a user started a restore from it
    w.now += minutes(10);
    plan = w.plan();
    REQUIRE(all<CompleteTask>(plan).size() == 1);
    CHECK(all<FailTask>(plan).empty());
    CHECK(all<CreateBackup>(plan).empty());
    CHECK(all<SkipVolume>(plan).size() == 1);
    w.apply(plan);
    CHECK(w.find_task("t1")->status == TaskStatus::succeeded);
}

TEST_CASE_FIXTURE(OneServer, "an incremental whose full is gone from Cinder leads to a full") {
    w.policy.full_backup_depth = 4;
    w.backup("orphan", "v1", "t1", true, kT0 - hours(2));
    auto creates = all<CreateBackup>(w.plan());
    CHECK(creates[0].kind == BackupKind::full);
    CHECK(creates[0].kind_reason == "the chain under backup orphan is incomplete: its full backup is not in Cinder");
}

TEST_CASE_FIXTURE(OneServer,
                  "a pending task that Cinder refused for lack of a parent is retried as a full under the same id") {
    w.policy.full_backup_depth = 4;
    w.backup("f", "v1", "t0", false, kT0 - hours(3));
    w.task("t0", "v1", TaskStatus::succeeded, "f", kT0 - hours(3));
    auto& t = w.task("t7", "v1", TaskStatus::pending, "", kT0 - seconds(30));
    t.kind = BackupKind::incremental;
    t.last_error = "Invalid backup: No backups available to do an incremental backup.";
    auto plan = w.plan();
    auto retries = all<RetryCreate>(plan);
    REQUIRE(retries.size() == 1);
    CHECK(plan.actions.size() == 1);
    CHECK(retries[0].create.task_id == "t7");
    CHECK(retries[0].create.kind == BackupKind::full);
    CHECK(retries[0].reason == "Cinder found no parent for the incremental");
    CHECK(retries[0].create.kind_reason == "Cinder found no parent for the incremental: retrying as a full backup");
}

TEST_CASE_FIXTURE(OneServer, "a pending task whose create never reached Cinder is retried, not duplicated") {
    w.task("t7", "v1", TaskStatus::pending, "", kT0 - seconds(30));
    auto plan = w.plan();
    REQUIRE(plan.actions.size() == 1);
    auto retries = all<RetryCreate>(plan);
    REQUIRE(retries.size() == 1);
    CHECK(retries[0].create.task_id == "t7");
    CHECK(retries[0].reason == "the create was not confirmed by Cinder");
    CHECK(w.ids == 0);  // no new task opened
}

TEST_CASE_FIXTURE(OneServer, "a pending task whose create reached Cinder is adopted, never created again") {
    w.task("t7", "v1", TaskStatus::pending, "", kT0 - seconds(30));
    w.backup("b7", "v1", "t7", false, kT0 - seconds(29), "creating");
    auto plan = w.plan();
    auto adopts = all<AdoptBackup>(plan);
    REQUIRE(adopts.size() == 1);
    CHECK(adopts[0].known_task);
    CHECK(adopts[0].backup_id == "b7");
    CHECK(adopts[0].reason == "the create of task t7 reached Cinder as backup b7 but was not recorded");
    CHECK(all<CreateBackup>(plan).empty());
    CHECK(all<RetryCreate>(plan).empty());
    CHECK(all<SkipVolume>(plan).size() == 1);
}

TEST_CASE_FIXTURE(OneServer,
                  "a tagged backup the store does not know is adopted as a new task and completed when available") {
    w.backup("b9", "v1", "lost-task", true, kT0 - hours(2));
    auto plan = w.plan();
    REQUIRE(plan.actions.size() >= 2);
    auto* adopt = std::get_if<AdoptBackup>(&plan.actions[0]);
    REQUIRE(adopt);
    CHECK_FALSE(adopt->known_task);
    CHECK(adopt->task_id == "lost-task");
    CHECK(adopt->kind == BackupKind::incremental);
    CHECK(adopt->reason == "backup b9 carries task lost-task's tag but the store has no such task");
    CHECK(adopt->server_id == "srv-a");
    auto* done = std::get_if<CompleteTask>(&plan.actions[1]);
    REQUIRE(done);
    CHECK(done->task_id == "lost-task");
    CHECK(done->server_id == "srv-a");  // so the shell can set the server's last-backup-time
}

TEST_CASE_FIXTURE(OneServer,
                  "tagged backups of one volume the store does not know are adopted and settled one after the other") {
    w.backup("b1", "v1", "lost-1", false, kT0 - hours(30));
    w.backup("b2", "v1", "lost-2", true, kT0 - hours(6));
    auto plan = w.plan();
    // The store holds one open task per volume: each adopted task is closed before the next opens.
    REQUIRE(plan.actions.size() >= 4);
    for (std::size_t i = 0; i < 4; i += 2) {
        auto* adopt = std::get_if<AdoptBackup>(&plan.actions[i]);
        auto* done = std::get_if<CompleteTask>(&plan.actions[i + 1]);
        REQUIRE(adopt);
        REQUIRE(done);
        CHECK(done->task_id == adopt->task_id);
    }
}

TEST_CASE("a pending task superseded by another node's tagged backup of its volume is closed, not retried") {
    // This node was paused before its create; another node backed the volume up meanwhile.
    World w;
    w.policy.backup_min_interval = hours(1);
    w.volume("v1");
    w.server("a", {"v1"});
    w.task("mine", "v1", TaskStatus::pending, "", kT0 - minutes(10));
    w.backup("theirs", "v1", "their-task", false, kT0 - minutes(5));
    auto plan = w.plan();
    REQUIRE(plan.actions.size() >= 3);
    auto* closed = std::get_if<FailTask>(&plan.actions[0]);  // before the adoption opens a task for v1
    REQUIRE(closed);
    CHECK(closed->task_id == "mine");
    CHECK(closed->reason ==
          "superseded: backup theirs of task their-task backed volume v1 up while this task's create "
          "never reached Cinder");
    auto* adopt = std::get_if<AdoptBackup>(&plan.actions[1]);
    REQUIRE(adopt);
    CHECK(adopt->task_id == "their-task");
    CHECK(std::holds_alternative<CompleteTask>(plan.actions[2]));
    CHECK(all<RetryCreate>(plan).empty());
    CHECK(all<CreateBackup>(plan).empty());
    CHECK(all<FailTask>(plan).size() == 1);
    w.apply(plan);
    w.now += hours(1);
    CHECK(all<RetryCreate>(w.plan()).empty());
}

TEST_CASE_FIXTURE(OneServer,
                  "a pending task is retried, not superseded, by an unknown tagged backup older than the task") {
    w.task("mine", "v1", TaskStatus::pending, "", kT0 - minutes(2));
    w.backup("old", "v1", "old-task", false, kT0 - hours(30));  // listed when "mine" was planned
    auto plan = w.plan();
    CHECK(all<FailTask>(plan).empty());
    auto retries = all<RetryCreate>(plan);
    REQUIRE(retries.size() == 1);
    CHECK(retries[0].create.task_id == "mine");
}

TEST_CASE_FIXTURE(OneServer,
                  "a pending task whose own create reached Cinder is adopted even when another tag names its volume") {
    w.task("mine", "v1", TaskStatus::pending, "", kT0 - minutes(10));
    w.backup("b-mine", "v1", "mine", false, kT0 - minutes(9));
    w.backup("theirs", "v1", "their-task", true, kT0 - minutes(5));
    auto plan = w.plan();
    CHECK(all<FailTask>(plan).empty());
    auto adopts = all<AdoptBackup>(plan);
    REQUIRE(adopts.size() == 2);
    CHECK(adopts[0].task_id == "mine");
}

TEST_CASE_FIXTURE(OneServer, "a known succeeded task's backup is not adopted again") {
    w.backup("b1", "v1", "t0", false, kT0 - hours(30));
    w.task("t0", "v1", TaskStatus::succeeded, "b1", kT0 - hours(30));
    auto plan = w.plan();
    CHECK(all<AdoptBackup>(plan).empty());
    CHECK(all<CreateBackup>(plan).size() == 1);
}

TEST_CASE_FIXTURE(OneServer,
                  "a tagged backup in the store's index is not adopted again once the report purged its task") {
    w.backup("b1", "v1", "t0", false, kT0 - hours(30));
    w.snap.indexed_backup_ids.insert("b1");
    auto plan = w.plan();
    CHECK(all<AdoptBackup>(plan).empty());
    CHECK(all<CompleteTask>(plan).empty());
    CHECK(all<CreateBackup>(plan).size() == 1);
}

TEST_CASE_FIXTURE(OneServer, "a second backup carrying one task's tag is deleted as a duplicate") {
    w.task("t7", "v1", TaskStatus::in_flight, "b-second", kT0 - minutes(2));
    w.backup("b-first", "v1", "t7", false, kT0 - minutes(2));
    w.backup("b-second", "v1", "t7", false, kT0 - minutes(1));
    auto plan = w.plan();
    auto dups = all<DeleteDuplicate>(plan);
    REQUIRE(dups.size() == 1);
    CHECK(dups[0].backup_id == "b-first");
    CHECK(dups[0].reason == "backup b-first also carries the tag of task t7, but task t7 already owns backup b-second");
    auto done = all<CompleteTask>(plan);
    REQUIRE(done.size() == 1);
    CHECK(done[0].backup_id == "b-second");
}

TEST_CASE_FIXTURE(OneServer, "a backup that turns up for a task already closed is deleted") {
    w.task("t7", "v1", TaskStatus::failed, "", kT0 - hours(2));
    w.backup("late", "v1", "t7", false, kT0 - hours(2));
    auto dups = all<DeleteDuplicate>(w.plan());
    REQUIRE(dups.size() == 1);
    CHECK(dups[0].reason == "backup late also carries the tag of task t7, but task t7 is already failed");
}

TEST_CASE("in-flight tasks are completed, failed, cancelled or left waiting by their backup's status") {
    struct Row {
        const char* status;
        long long age_min;
        const char* action;
        const char* reason;
        const char* delete_id;
    };
    const Row rows[] = {
        {"available", 10, "complete", "backup b1 is available", ""},
        {"error", 10, "fail", "Cinder set backup b1 to error: disk full", "b1"},
        {"creating", 4, "wait", "", ""},
        {"creating", 6, "cancel",
         "backup b1 is still creating 6min after it was created, past backup_cycle_timeout 5min", ""},
        {"restoring", 2, "complete", "backup b1 is restoring, so it is available and intact", ""},
        {"deleting", 2, "complete",
         "backup b1 is deleting: it finished creating and someone deletes it; counted done, as upstream counts it", ""},
        {"error_restoring", 2, "fail", "backup b1 went to status 'error_restoring' before it was available", ""},
        {"gone", 2, "fail", "backup b1 is no longer in Cinder", ""},
    };
    for (const auto& row : rows) {
        CAPTURE(row.status);
        CAPTURE(row.age_min);
        World w;
        w.policy.backup_cycle_timeout = minutes(5);
        w.volume("v1");
        w.server("a", {"v1"});
        w.task("t1", "v1", TaskStatus::in_flight, "b1", kT0 - minutes(row.age_min));
        if (std::string(row.status) != "gone") {
            auto& b = w.backup("b1", "v1", "t1", false, kT0 - minutes(row.age_min), row.status);
            b.fail_reason = "disk full";
        }
        auto plan = w.plan();
        std::string action = row.action;
        if (action == "complete") {
            REQUIRE(all<CompleteTask>(plan).size() == 1);
            CHECK(all<CompleteTask>(plan)[0].reason == row.reason);
            CHECK(all<CompleteTask>(plan)[0].server_id == "srv-a");
        } else if (action == "fail") {
            REQUIRE(all<FailTask>(plan).size() == 1);
            CHECK(all<FailTask>(plan)[0].reason == row.reason);
            CHECK(all<FailTask>(plan)[0].delete_backup_id == row.delete_id);
        } else if (action == "cancel") {
            REQUIRE(all<CancelTask>(plan).size() == 1);
            CHECK(all<CancelTask>(plan)[0].backup_id == "b1");
            CHECK(all<CancelTask>(plan)[0].reason == row.reason);
            CHECK(all<CreateBackup>(plan).empty());  // the cancelled backup is still there until deleted
        } else {
            CHECK(all<CompleteTask>(plan).empty());
            CHECK(all<FailTask>(plan).empty());
            CHECK(all<CancelTask>(plan).empty());
            CHECK(all<CreateBackup>(plan).empty());
        }
    }
}

TEST_CASE("a backup's timeout counts from its own create, not from the task's start") {
    // Snapshot mode: the task waited for its snapshot before the backup was sent.
    struct Row {
        long long task_age_min;
        long long backup_age_min;
        bool cancelled;
        const char* reason;
    };
    const Row rows[] = {
        {20, 2, false, ""},
        {20, 6, true, "backup b1 is still creating 6min after it was created, past backup_cycle_timeout 5min"},
        // Cinder's clock behind staffeln's: the task's start stays the floor.
        {6, 7, true, "backup b1 is still creating 6min after it was created, past backup_cycle_timeout 5min"},
        {4, 9, false, ""},
    };
    for (const auto& row : rows) {
        CAPTURE(row.task_age_min);
        CAPTURE(row.backup_age_min);
        World w;
        w.policy.backup_cycle_timeout = minutes(5);
        w.volume("v1");
        w.server("a", {"v1"});
        w.task("t1", "v1", TaskStatus::in_flight, "b1", kT0 - minutes(row.task_age_min));
        w.backup("b1", "v1", "t1", false, kT0 - minutes(row.backup_age_min), "creating");
        auto cancels = all<CancelTask>(w.plan());
        REQUIRE(cancels.size() == (row.cancelled ? 1u : 0u));
        if (row.cancelled) CHECK(cancels[0].reason == row.reason);
    }
}

TEST_CASE_FIXTURE(OneServer, "a pending task older than the cycle timeout is failed with its last error") {
    w.policy.backup_cycle_timeout = minutes(5);
    w.task("t1", "v1", TaskStatus::pending, "", kT0 - minutes(6)).last_error = "503 Service Unavailable";
    auto plan = w.plan();
    auto fails = all<FailTask>(plan);
    REQUIRE(fails.size() == 1);
    CHECK(fails[0].reason ==
          "the create did not reach Cinder within backup_cycle_timeout 5min (last error: 503 Service Unavailable)");
    CHECK(all<CreateBackup>(plan).size() == 1);  // the volume gets a fresh task this cycle
}

TEST_CASE_FIXTURE(OneServer, "two pending tasks for one volume: the oldest is retried, the other closed") {
    w.task("t-new", "v1", TaskStatus::pending, "", kT0 - seconds(10));
    w.task("t-old", "v1", TaskStatus::pending, "", kT0 - seconds(20));
    auto plan = w.plan();
    auto retries = all<RetryCreate>(plan);
    REQUIRE(retries.size() == 1);
    CHECK(retries[0].create.task_id == "t-old");
    auto fails = all<FailTask>(plan);
    REQUIRE(fails.size() == 1);
    CHECK(fails[0].task_id == "t-new");
    CHECK(fails[0].reason == "superseded by task t-old for the same volume");
}

TEST_CASE("a pending task is failed, not retried, when its volume can no longer be backed up") {
    struct Row {
        const char* case_name;
        const char* reason;
    };
    const Row rows[] = {
        {"untagged", "volume v1 is no longer attached to a server that wants backups"},
        {"vanished", "volume v1 attached to server a is not in Cinder's listing"},
        {"error", "volume v1 is 'error'; only available or in-use volumes are backed up"},
        {"skip", "volume metadata skip-volume-backup=true asks staffeln to skip it"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.case_name);
        World w;
        std::string c = row.case_name;
        if (c != "vanished") w.volume("v1", c == "error" ? "error" : "in-use");
        if (c == "skip") w.snap.volumes["v1"].metadata["skip-volume-backup"] = "true";
        w.server("a", {"v1"}, c == "untagged" ? "false" : "true");
        w.task("t1", "v1", TaskStatus::pending, "", kT0 - seconds(10));
        auto plan = w.plan();
        CHECK(all<RetryCreate>(plan).empty());
        CHECK(all<CreateBackup>(plan).empty());
        CHECK(all<FailVolume>(plan).empty());  // the pending task carries the failure, no second record
        auto fails = all<FailTask>(plan);
        REQUIRE(fails.size() == 1);
        CHECK(fails[0].task_id == "t1");
        CHECK(fails[0].reason == row.reason);
    }
}

TEST_CASE("the settle scope is the cycle's plan without creates, retries, skips and failed volumes") {
    World w;
    w.policy.backup_cycle_timeout = minutes(5);
    w.policy.full_backup_depth = 2;
    for (const char* v : {"v-new", "v-skip", "v-busy", "v-retry", "v-done", "v-err", "v-slow", "v-adopt", "v-dup"})
        w.volume(v);
    w.volume("v-broken", "error");
    w.snap.volumes["v-skip"].metadata["skip-volume-backup"] = "true";
    w.server("a", {"v-new", "v-skip", "v-busy", "v-retry", "v-done", "v-err", "v-slow", "v-adopt", "v-dup", "v-broken",
                   "v-gone"});
    w.backup("user-1", "v-new", "", false, kT0 - hours(30));
    w.backup("b-busy", "v-busy", "t-busy", false, kT0 - minutes(2), "creating");
    w.task("t-busy", "v-busy", TaskStatus::in_flight, "b-busy", kT0 - minutes(2));
    w.task("t-retry", "v-retry", TaskStatus::pending, "", kT0 - seconds(20));
    w.task("t-extra", "v-retry", TaskStatus::pending, "", kT0 - seconds(10));
    w.backup("b-done", "v-done", "t-done", false, kT0 - minutes(3));
    w.task("t-done", "v-done", TaskStatus::in_flight, "b-done", kT0 - minutes(3));
    w.backup("b-err", "v-err", "t-err", false, kT0 - minutes(3), "error");
    w.task("t-err", "v-err", TaskStatus::in_flight, "b-err", kT0 - minutes(3));
    w.backup("b-slow", "v-slow", "t-slow", false, kT0 - minutes(9), "creating");
    w.task("t-slow", "v-slow", TaskStatus::in_flight, "b-slow", kT0 - minutes(9));
    w.backup("b-adopt", "v-adopt", "t-adopt", false, kT0 - minutes(1));
    w.backup("b-dup1", "v-dup", "t-dup", false, kT0 - minutes(4));
    w.backup("b-dup2", "v-dup", "t-dup", false, kT0 - minutes(3));
    w.task("t-dup", "v-dup", TaskStatus::in_flight, "b-dup1", kT0 - minutes(4));
    w.task("t-broken", "v-broken", TaskStatus::pending, "", kT0 - seconds(5));

    auto lines = [](const BackupPlan& plan) {
        std::vector<std::string> out;
        for (const auto& a : plan.actions)
            if (!std::holds_alternative<CreateBackup>(a) && !std::holds_alternative<RetryCreate>(a) &&
                !std::holds_alternative<SkipVolume>(a) && !std::holds_alternative<FailVolume>(a))
                out.push_back(describe(a));
        return out;
    };
    auto cycle = w.plan();
    CHECK(all<CreateBackup>(cycle).size() == 5);
    CHECK(all<RetryCreate>(cycle).size() == 1);
    CHECK(all<SkipVolume>(cycle).size() == 3);
    CHECK(all<FailVolume>(cycle).size() == 1);
    auto settle = plan_backups(w.snap, w.policy, w.now, w.new_id, PlanScope::settle);
    CHECK(lines(settle).size() == settle.actions.size());
    CHECK(lines(settle) == lines(cycle));
    CHECK(lines(cycle).size() == 9);  // 3 completes, 3 failed tasks, a cancel, an adoption, a duplicate

    // The untagged backups no task names and the volumes of no pending task are not read: the
    // shell may leave them out.
    std::erase_if(w.snap.backups, [](const Backup& b) { return !made_by_staffeln(b); });
    std::erase_if(w.snap.volumes, [](const auto& v) { return v.first != "v-retry" && v.first != "v-broken"; });
    CHECK(lines(plan_backups(w.snap, w.policy, w.now, w.new_id, PlanScope::settle)) == lines(cycle));
}

TEST_CASE("describe gives one line per action for dry runs") {
    World w;
    w.volume("v1");
    w.volume("v2").metadata["skip-volume-backup"] = "true";
    w.server("a", {"v1", "v2"});
    auto plan = w.plan();
    REQUIRE(plan.actions.size() == 2);
    CHECK(describe(plan.actions[0]) ==
          "create full backup a_disk-v1_1763785360 of volume v1 (project p1, server srv-a): "
          "full_backup_depth is 0: every backup is full");
    CHECK(describe(plan.actions[1]) ==
          "skip volume v2: volume metadata skip-volume-backup=true asks staffeln to skip it");
}

// The crash model: each create either lands and is recorded, lands but the answer is lost
// (crash before the commit), never reaches Cinder (crash before the call), or is refused
// for lack of a parent. Cinder finishes backups at random. Over many cycles the invariants hold.
TEST_CASE("over many cycles with crashes at every step, no volume has two in flight and no task two backups") {
    std::mt19937 rng(20261122);
    World w;
    w.policy.full_backup_depth = 3;
    w.policy.backup_cycle_timeout = hours(2);
    for (int i = 0; i < 6; ++i) w.volume("v" + std::to_string(i), i % 2 ? "in-use" : "available");
    w.server("a", {"v0", "v1", "v2"});
    w.server("b", {"v2", "v3", "v4", "v5"});  // v2 is multi-attached
    std::set<std::string> backed_up;
    int adopted = 0, retried = 0, retried_full = 0;
    for (int cycle = 0; cycle < 300; ++cycle) {
        auto plan = w.plan();
        adopted += static_cast<int>(all<AdoptBackup>(plan).size());
        for (const auto& r : all<RetryCreate>(plan)) {
            ++retried;
            retried_full += r.reason == "Cinder found no parent for the incremental";
        }
        std::set<std::string> creating_volumes;
        for (const auto& a : plan.actions) {
            const CreateBackup* c = nullptr;
            if (auto* p = std::get_if<CreateBackup>(&a)) c = p;
            if (auto* r = std::get_if<RetryCreate>(&a)) c = &r->create;
            if (!c) continue;
            CHECK(creating_volumes.insert(c->volume_id).second);
            for (const auto& b : w.snap.backups)  // never a create while a staffeln backup is creating
                CHECK_FALSE((b.volume_id == c->volume_id && b.status == "creating" && made_by_staffeln(b)));
            for (const auto& b : w.snap.backups) {  // never a create for a task that already has a backup
                auto tag = task_id_of(b);
                CHECK_FALSE((tag && *tag == c->task_id));
            }
            int outcome = static_cast<int>(rng() % 4);
            auto* t = w.find_task(c->task_id);
            if (!t) t = &w.task(c->task_id, c->volume_id, TaskStatus::pending, "", w.now);
            t->kind = c->kind;
            if (outcome <= 1) w.create_in_cinder(*c);
            if (outcome == 0) {
                t->status = TaskStatus::in_flight;
                t->backup_id = w.snap.backups.back().id;
            }
            if (outcome == 3) t->last_error = "Invalid backup: No backups available to do an incremental backup.";
        }
        BackupPlan rest;
        for (const auto& a : plan.actions)
            if (!std::holds_alternative<CreateBackup>(a) && !std::holds_alternative<RetryCreate>(a))
                rest.actions.push_back(a);
        w.apply(rest);
        for (auto& b : w.snap.backups)
            if (b.status == "creating" && rng() % 2) b.status = "available";
        for (const auto& b : w.snap.backups)
            if (b.status == "available") backed_up.insert(b.volume_id);
        w.now += minutes(30);
    }
    std::map<std::string, int> backups_per_task;
    for (const auto& b : w.snap.backups) ++backups_per_task[*task_id_of(b)];
    for (const auto& [task, n] : backups_per_task) {
        CAPTURE(task);
        CHECK(n == 1);
    }
    CHECK(backed_up.size() == 6);
    CHECK(adopted > 10);  // the crash paths were taken
    CHECK(retried > 10);
    CHECK(retried_full > 10);
}

TEST_CASE("backups tagged in the description, below microversion 3.43, count as staffeln's") {
    World w;
    w.policy.full_backup_depth = 2;
    w.policy.backup_min_interval = hours(24);
    w.volume("v1");
    w.volume("v2");
    w.server("a", {"v1", "v2"});
    auto& recent = w.backup("recent", "v1", "", false, kT0 - hours(2));
    recent.description = tag_fields("t-old", TagForm::description).description;
    w.task("t-old", "v1", TaskStatus::succeeded, "recent", kT0 - hours(2));
    auto& parent = w.backup("parent", "v2", "", false, kT0 - hours(30));
    parent.description = tag_fields("t-older", TagForm::description).description;
    w.task("t-older", "v2", TaskStatus::succeeded, "parent", kT0 - hours(30));
    auto plan = w.plan();
    auto skips = all<SkipVolume>(plan);
    REQUIRE(skips.size() == 1);
    CHECK(skips[0].code == SkipReason::recent_backup);
    auto creates = all<CreateBackup>(plan);
    REQUIRE(creates.size() == 1);
    CHECK(creates[0].kind == BackupKind::incremental);
    CHECK(creates[0].parent_id == "parent");
}

// Per-server schedules (server_schedule.h): the window, the interval and the depth a server's
// metadata sets, or the config's defaults, each decision with its reason.
namespace {

TimePoint at_utc(std::chrono::sys_days day, std::chrono::seconds time) { return TimePoint{day + time}; }

}  // namespace

TEST_CASE("outside its backup window a server's volumes are skipped naming the window and the local time") {
    using namespace std::chrono;
    World w;
    w.volume("v1");
    w.volume("v2");
    w.server("a", {"v1"});
    w.server("b", {"v2"}).metadata["__staffeln_backup_window"] = "22:00-04:00";
    w.policy.backup_window = BackupWindow{60, 300};  // 01:00-05:00
    w.policy.timezone = TimeZone::fixed("+02:00", 2h);
    w.now = at_utc(sys_days{2026y / December / 3}, 12h);  // 14:00 at +02:00
    auto plan = w.plan();
    CHECK(all<CreateBackup>(plan).empty());
    auto skips = all<SkipVolume>(plan);
    REQUIRE(skips.size() == 2);
    CHECK(skips[0].code == SkipReason::outside_window);
    CHECK(describe(plan.actions[0]) ==
          "skip volume v1: outside backup window 01:00-05:00 (backup_window): it is 14:00 in +02:00");
    CHECK(skips[1].reason ==
          "outside backup window 22:00-04:00 (server metadata __staffeln_backup_window): it is 14:00 in +02:00");

    w.now = at_utc(sys_days{2026y / December / 3}, 0h + 30min);  // 02:30: inside both
    auto inside = all<CreateBackup>(w.plan());
    REQUIRE(inside.size() == 2);
    w.now = at_utc(sys_days{2026y / December / 3}, 21h + 30min);  // 23:30: inside b's only
    auto night = all<CreateBackup>(w.plan());
    REQUIRE(night.size() == 1);
    CHECK(night[0].volume_id == "v2");
}

TEST_CASE("a window's start is inside and its end outside, by the second") {
    using namespace std::chrono;
    World w;
    w.volume("v1");
    w.server("a", {"v1"});
    w.policy.backup_window = BackupWindow{60, 300};
    auto day = sys_days{2026y / June / 1};
    struct Row {
        seconds time;
        bool create;
    };
    for (auto [time, create] : {Row{1h - 1s, false}, Row{1h, true}, Row{5h - 1s, true}, Row{5h, false}}) {
        CAPTURE(time.count());
        w.now = at_utc(day, time);
        CHECK(all<CreateBackup>(w.plan()).size() == (create ? 1u : 0u));
    }
}

TEST_CASE("backup windows follow a named zone across both daylight saving changes") {
    using namespace std::chrono;
    auto berlin = config::resolve_time_zone("Europe/Berlin");
    REQUIRE(berlin.ok());
    World w;
    w.volume("v1");
    w.server("a", {"v1"});
    w.policy.backup_window = BackupWindow{60, 300};  // 01:00-05:00
    w.policy.timezone = *berlin;
    auto creates_at = [&](TimePoint now) {
        w.now = now;
        return all<CreateBackup>(w.plan()).size();
    };
    auto spring = sys_days{2026y / March / 29};
    CHECK(creates_at(at_utc(spring, 0h + 30min)) == 1);  // 01:30 CET
    CHECK(creates_at(at_utc(spring, 2h + 59min)) == 1);  // 04:59 CEST
    CHECK(creates_at(at_utc(spring, 3h)) == 0);          // 05:00 CEST; at a fixed +01:00, 04:00
    CHECK(all<SkipVolume>(w.plan())[0].reason ==
          "outside backup window 01:00-05:00 (backup_window): it is 05:00 in Europe/Berlin");
    auto autumn = sys_days{2026y / October / 25};
    CHECK(creates_at(at_utc(autumn, -30min)) == 1);      // 01:30 CEST
    CHECK(creates_at(at_utc(autumn, 3h + 30min)) == 1);  // 04:30 CET; at a fixed +02:00, 05:30
    CHECK(creates_at(at_utc(autumn, 4h)) == 0);          // 05:00 CET
}

TEST_CASE("a server's own interval replaces backup_min_interval, longer or shorter") {
    World w;
    w.policy.backup_min_interval = hours(24);
    w.volume("v1");
    w.volume("v2");
    w.volume("v3");
    w.server("hourly", {"v1"}).metadata["__staffeln_backup_interval"] = "1h";
    w.server("six", {"v2"}).metadata["__staffeln_backup_interval"] = "6h";
    w.server("default", {"v3"});
    for (const char* v : {"v1", "v2", "v3"})
        w.backup(std::string("old-") + v, v, std::string("t-") + v, false, kT0 - hours(2));
    auto plan = w.plan();
    auto creates = all<CreateBackup>(plan);
    REQUIRE(creates.size() == 1);
    CHECK(creates[0].volume_id == "v1");
    auto skips = all<SkipVolume>(plan);
    REQUIRE(skips.size() == 2);
    CHECK(skips[0].code == SkipReason::recent_backup);
    CHECK(skips[0].reason ==
          "staffeln backup old-v2 was made 2h ago, within server metadata __staffeln_backup_interval 6h");
    CHECK(skips[1].reason == "staffeln backup old-v3 was made 2h ago, within backup_min_interval 1d");
}

TEST_CASE("a server's own full_backup_depth sets its chain, and the reason says where it came from") {
    struct Row {
        const char* depth;
        const char* pattern;
    };
    for (auto [depth, pattern] :
         {Row{"0", "FFFFFFFF"}, Row{"1", "FIFIFIFI"}, Row{"3", "FIIIFIII"}, Row{"x", "FIIFIIFI"}}) {
        CAPTURE(depth);
        World w;
        w.policy.full_backup_depth = 2;
        w.volume("v1");
        w.server("a", {"v1"}).metadata["__staffeln_full_backup_depth"] = depth;
        std::vector<BackupKind> seq;
        for (int cycle = 0; cycle < 8; ++cycle) {
            auto plan = w.plan();
            auto creates = all<CreateBackup>(plan);
            REQUIRE(creates.size() == 1);
            seq.push_back(creates[0].kind);
            if (cycle == 1 && std::string(depth) == "3")
                CHECK(creates[0].kind_reason ==
                      fmt::format("incremental 1 of 3 on backup {} (depth 3 from server metadata "
                                  "__staffeln_full_backup_depth)",
                                  creates[0].parent_id));
            if (cycle == 1 && std::string(depth) == "x")
                CHECK(creates[0].kind_reason == fmt::format("incremental 1 of 2 on backup {}", creates[0].parent_id));
            w.apply(plan);
            w.cinder_finishes();
            w.now += hours(1);
        }
        CHECK(kinds(seq) == pattern);
    }
}

TEST_CASE("a pending task is retried outside the window: its backup was due when the task was written") {
    using namespace std::chrono;
    World w;
    w.volume("v1");
    w.server("a", {"v1"});
    w.policy.backup_window = BackupWindow{60, 300};
    w.now = at_utc(sys_days{2026y / June / 1}, 12h);
    w.task("t-pending", "v1", TaskStatus::pending, "", w.now - minutes(1));
    auto retries = all<RetryCreate>(w.plan());
    REQUIRE(retries.size() == 1);
    CHECK(retries[0].create.task_id == "t-pending");
}

TEST_CASE("a bad schedule value warns once per cycle for a server backed up, and the default applies") {
    World w;
    w.volume("v1");
    w.volume("v2");
    w.volume("v3");
    w.server("a", {"v1", "v2"}).metadata["__staffeln_backup_window"] = "nightly";
    w.server("off", {"v3"}, "false").metadata["__staffeln_backup_window"] = "nightly";
    auto plan = w.plan();
    REQUIRE(plan.warnings.size() == 1);
    CHECK(plan.warnings[0] ==
          "server a (srv-a): backup window metadata __staffeln_backup_window='nightly' is ignored (invalid backup "
          "window 'nightly' (expected HH:MM-HH:MM in 24-hour time, such as 01:00-05:00 or 22:00-04:00)); using no "
          "window");
    CHECK(all<CreateBackup>(plan).size() == 2);
    w.task("t-pending", "v1", TaskStatus::pending, "", w.now);
    CHECK(plan_backups(w.snap, w.policy, w.now, w.new_id, PlanScope::settle).warnings.empty());
}

TEST_CASE(
    "property: a volume gets a create exactly when its server's window holds the local time and its interval "
    "has passed") {
    std::mt19937 rng(20261206);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (int round = 0; round < 2000; ++round) {
        CAPTURE(round);
        World w;
        w.policy.backup_min_interval = hours(pick(0, 48));
        auto offset = minutes(pick(-14 * 4, 14 * 4) * 15);
        w.policy.timezone = TimeZone::fixed("zone", offset);
        if (pick(0, 2) != 0) {
            int start = pick(0, 1439);
            int end = pick(0, 1440);
            if (end == start) end = (start + 1) % 1440;
            w.policy.backup_window = BackupWindow{start, end};
        }
        w.now = kT0 + seconds(pick(0, 10 * 86400));
        w.volume("v1");
        auto& server = w.server("a", {"v1"});
        std::optional<BackupWindow> window = w.policy.backup_window;
        if (pick(0, 2) == 0) {
            int start = pick(0, 23);
            int end = (start + pick(1, 23)) % 24;
            server.metadata["__staffeln_backup_window"] = fmt::format("{:02}:00-{:02}:00", start, end);
            window = BackupWindow{start * 60, end * 60};
        }
        auto interval = w.policy.backup_min_interval;
        if (pick(0, 2) == 0) {
            interval = hours(pick(0, 48));
            server.metadata["__staffeln_backup_interval"] = format_duration(interval);
        }
        auto age = seconds(pick(0, 3 * 86400));
        bool has_backup = pick(0, 3) != 0;
        if (has_backup) w.backup("old", "v1", "t0", false, w.now - age);

        std::int64_t local = ((w.now.time_since_epoch() + offset).count() % 86400 + 86400) % 86400;
        bool in_window = !window || [&] {
            std::int64_t minute = local / 60;
            return window->start < window->end ? minute >= window->start && minute < window->end
                                               : minute >= window->start || minute < window->end;
        }();
        bool interval_passed = !has_backup || interval.count() == 0 || age >= interval;
        auto plan = w.plan();
        CAPTURE(local);
        CAPTURE(to_string(window.value_or(BackupWindow{})));
        CHECK(plan.warnings.empty());
        CHECK(all<CreateBackup>(plan).size() == (in_window && interval_passed ? 1u : 0u));
        auto skips = all<SkipVolume>(plan);
        if (!in_window) {
            REQUIRE(skips.size() == 1);
            CHECK(skips[0].code == SkipReason::outside_window);
        } else if (!interval_passed) {
            REQUIRE(skips.size() == 1);
            CHECK(skips[0].code == SkipReason::recent_backup);
        }
    }
}
