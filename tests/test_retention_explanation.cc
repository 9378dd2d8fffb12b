// What `retention explain` prints of each backup (core/retention_explanation.h), from plain
// values: the planner's decisions as verdicts and short reasons, newest first.
#include "staffeln/core/retention_explanation.h"

#include "staffeln/core/backup_tag.h"

#include <doctest/doctest.h>

#include <vector>

using namespace staffeln;
using namespace staffeln::core;
using namespace std::chrono;

namespace {

TimePoint on(year_month_day d, hours h = 10h) { return sys_days{d} + h; }

struct Cloud {
    std::vector<Backup> backups;
    std::vector<Server> servers;
    std::vector<TaskRecord> closed;
    RetentionPolicy policy;
    RetentionInput input;
    RetentionPlan plan;

    Cloud() {
        policy.backup_metadata_key = "__staffeln_backup";
        policy.retention_metadata_key = "__staffeln_retention";
        policy.rules_metadata_key = "__staffeln_retention_policy";
        policy.retention_time = CalendarDuration{days(14)};
    }
    void backup(std::string id, TimePoint at, bool ours = true, bool incremental = false,
                std::string status = "available", std::string volume = "v") {
        Backup b;
        b.id = std::move(id);
        b.volume_id = std::move(volume);
        b.project_id = "p1";
        b.status = std::move(status);
        b.is_incremental = incremental;
        b.created_at = at;
        b.data_timestamp = at;
        if (ours) b.metadata = tag_fields("task-" + b.id, TagForm::metadata).metadata;
        backups.push_back(std::move(b));
    }
    Server& server(std::string name, Metadata metadata = {}) {
        Server s;
        s.id = "srv-" + name;
        s.name = std::move(name);
        s.project_id = "p1";
        s.metadata = std::move(metadata);
        s.metadata["__staffeln_backup"] = "true";
        s.volume_ids = {"v"};
        servers.push_back(std::move(s));
        return servers.back();
    }
    std::vector<std::string> lines(TimePoint now, ScopeDecision scope = {}) {
        RetentionInputBuilder builder;
        for (const auto& b : backups) builder.add_backup(b);
        input = std::move(builder.input());
        input.servers = servers;
        input.closed_tasks = closed;
        plan = plan_retention(input, policy, now);
        auto explained = explain_group(input, plan, 0, scope);
        std::vector<std::string> out{explain_heading(input, 0, explained)};
        for (const auto& e : explained) out.push_back(explain_line(e, input));
        return out;
    }
};

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("retention explain: each rule, the age limit, chains and the floor, newest first") {
    Cloud c;
    c.server("web");
    c.policy.rules = *parse_retention_rules("last=1,daily=2,monthly=2");
    c.policy.retention_time = CalendarDuration{days(2)};
    c.backup("full-oct", on(2026y / October / 20));
    c.backup("full-nov", on(2026y / November / 1));
    c.backup("inc-nov", on(2026y / November / 30), true, true);
    c.backup("user-dec", on(2026y / December / 1), false);
    c.backup("full-1201", on(2026y / December / 1, 11h));
    c.backup("full-1202", on(2026y / December / 2));
    c.backup("full-1203", on(2026y / December / 3));
    c.backup("full-1205", on(2026y / December / 5));
    CHECK(c.lines(on(2026y / December / 6, 12h)) ==
          Lines{
              "volume v in project p1: 8 backups, 5 kept, 3 deleted",
              "  2026-12-05 10:00  full         available  full-1205  kept     within 2d (retention_time)",
              "  2026-12-03 10:00  full         available  full-1203  kept     daily 2026-12-03",
              "  2026-12-02 10:00  full         available  full-1202  deleted  expired: older than 2d (retention_time)",
              "  2026-12-01 11:00  full         available  full-1201  deleted  expired: older than 2d (retention_time)",
              "  2026-12-01 10:00  full         available  user-dec  kept     not staffeln's: never deleted",
              "  2026-11-30 10:00  incremental  available  inc-nov  kept     monthly 2026-11",
              "  2026-11-01 10:00  full         available  full-nov  kept     parent of a kept incremental (inc-nov)",
              "  2026-10-20 10:00  full         available  full-oct  deleted  expired: older than 2d (retention_time)",
          });
}

TEST_CASE("retention explain: the safety floor, a server's own retention and policy, failed work, a busy backup") {
    Cloud c;
    c.server("db", {{"__staffeln_retention", "3d"}, {"__staffeln_retention_policy", "weekly=1"}});
    c.backup("f1", on(2026y / November / 1));
    c.backup("e2", on(2026y / November / 2), true, false, "error");
    c.backup("d3", on(2026y / November / 3), true, false, "deleting");
    c.backup("x4", on(2026y / November / 4));
    c.backup("w5", on(2026y / November / 5), true, false, "restoring");
    c.closed.push_back({"task-x4", "v", "p1", "srv-db", "x4", BackupKind::full, TaskStatus::failed, {}, {}});
    CHECK(c.lines(on(2026y / December / 6)) ==
          Lines{
              "volume v in project p1: 5 backups, 3 kept, 2 deleted",
              "  2026-11-05 10:00  full         restoring  w5  kept     safety floor",
              "  2026-11-04 10:00  full         available  x4  deleted  backup of failed task task-x4",
              "  2026-11-03 10:00  full         deleting   d3  kept     status deleting: retried next cycle",
              "  2026-11-02 10:00  full         error      e2  deleted  in error",
              "  2026-11-01 10:00  full         available  f1  kept     weekly 2026-W44 (server db's retention policy)",
          });
    c.backups.resize(1);
    c.closed.clear();
    c.policy.rules_metadata_key.clear();
    c.policy.safety_floor = false;
    CHECK(c.lines(on(2026y / November / 3)) ==
          Lines{
              "volume v in project p1: 1 backup, 1 kept, 0 deleted",
              "  2026-11-01 10:00  full         available  f1  kept     within 3d (server db's retention)",
          });
    CHECK(c.lines(on(2026y / December / 3)) ==
          Lines{
              "volume v in project p1: 1 backup, 0 kept, 1 deleted",
              "  2026-11-01 10:00  full         available  f1  deleted  expired: older than 3d (server db's retention)",
          });
}

TEST_CASE("retention explain: a project out of scope keeps every backup, and says why") {
    Cloud c;
    c.server("web");
    c.backup("old", on(2025y / January / 1));
    c.backup("user", on(2025y / January / 2), false);
    c.policy.scope = resolve_project_scope({{}, {"p1"}}, {}).scope;
    CHECK(c.lines(on(2026y / December / 6), c.policy.scope.decide("p1")) ==
          Lines{
              "volume v in project p1: 2 backups, 2 kept, 0 deleted",
              "  2025-01-02 10:00  full         available  user  kept     not staffeln's: never deleted",
              "  2025-01-01 10:00  full         available  old  kept     project out of scope: excluded by "
              "exclude_projects ('p1')",
          });
    CHECK(c.plan.deletes.empty());
    CHECK(c.plan.keeps.empty());
}
