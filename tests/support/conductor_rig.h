// The conductor in-process against the simulated cloud: a simcloud on loopback (backups finish
// in 0.1 s), an admin Cloud, a real SQLite store and file locks in a temporary directory, and a
// Context whose clock can be moved forward (the cloud's clock stays real) so that retention and
// timeouts are tested without waiting. Control calls read Cinder's internals (parent_id).
#pragma once

#include "support/simcloud_harness.h"
#include "support/task_rows.h"
#include "support/temp_dir.h"

#include "staffeln/conductor/backup_cycle.h"
#include "staffeln/conductor/cloud_reader.h"
#include "staffeln/conductor/context.h"
#include "staffeln/conductor/retention_cycle.h"
#include "staffeln/coordination/coordinator.h"
#include "staffeln/openstack/cloud.h"

#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace staffeln::testing {

using simtest::json;

namespace demo = simtest::demo;

inline json fast_scenario(json scenario = simtest::demo_scenario()) {
    scenario["settings"]["backup_create_seconds"] = 0.1;
    scenario["settings"]["backup_delete_seconds"] = 0.1;
    return scenario;
}

inline openstack::RetryPolicy no_retries() {
    openstack::RetryPolicy retry;
    retry.retry_timeout = openstack::Millis(0);
    return retry;
}

class ConductorRig {
public:
    explicit ConductorRig(const json& scenario = fast_scenario())
        : sim(scenario), cloud(simtest::admin_credentials(sim.server->base_url()), no_retries()), db(open_store()) {
        config.conductor.backup_metadata_key = "__staffeln_backup";
        config.conductor.retention_metadata_key = "__staffeln_retention";
        config.conductor.backup_min_interval = 0;
        config.conductor.full_backup_depth = 2;
        config.conductor.backup_cycle_timeout = std::chrono::seconds(30);
        config.database.path = dir / "staffeln.db";
        auto made = coordination::make_coordinator("", dir / "locks");
        REQUIRE_MESSAGE(made.ok(), (made.ok() ? "" : made.error().message));
        locks = std::move(*made);
    }

    conductor::Context context() {
        conductor::Context ctx{config, cloud, db, db_mutex, *locks, stop, [this] { return now(); }};
        ctx.poll_interval = std::chrono::milliseconds(100);
        return ctx;
    }

    // The conductor's clock: real time plus what the test has moved it forward.
    TimePoint now() const {
        return std::chrono::time_point_cast<std::chrono::seconds>(Clock::now()) + std::chrono::seconds(offset.load());
    }
    void travel(std::chrono::seconds by) { offset += by.count(); }

    // Cycles run on a thread of their own, as in the daemon: its libcurl connections close when
    // it ends, so the simulated cloud does not wait out their keep-alive when the test stops it.
    template <class Fn>
    static auto on_own_thread(Fn&& fn) {
        return std::async(std::launch::async, std::forward<Fn>(fn)).get();
    }

    conductor::BackupCycleResult backup_cycle(bool dry_run = false, std::FILE* out = stdout) {
        return on_own_thread([&] {
            auto ctx = context();
            return conductor::run_backup_cycle(ctx, dry_run, out);
        });
    }

    conductor::RetentionOutcome retention_cycle(bool dry_run = false, std::FILE* out = stdout) {
        return on_own_thread([&] {
            auto ctx = context();
            return conductor::run_retention_cycle(ctx, dry_run, out);
        });
    }

    std::vector<core::TaskRecord> tasks() {
        auto ctx = context();
        auto all = conductor::read_tasks(ctx);
        REQUIRE_MESSAGE(all.ok(), (all.ok() ? "" : all.error().message));
        return std::move(*all);
    }

    // Cinder's backups with internals (parent_id, dependents), newest first.
    std::vector<json> backups(const std::string& volume_id = "") {
        auto a = sim.call("GET", "/_sim/backups" + (volume_id.empty() ? "" : "?volume_id=" + volume_id));
        REQUIRE(a.status == 200);
        return a.body["backups"].get<std::vector<json>>();
    }
    std::vector<json> staffeln_backups(const std::string& volume_id = "") {
        std::vector<json> out;
        for (auto& b : backups(volume_id))
            if (b["metadata"].contains("staffeln:task")) out.push_back(b);
        return out;
    }
    json backup(const std::string& id) { return sim.call("GET", "/_sim/backups/" + id).body["backup"]; }

    void sim_config(const json& settings) {
        REQUIRE(sim.call("PUT", "/_sim/config", "", "", settings.dump()).status == 200);
    }
    void fault(const json& rule) { REQUIRE(sim.call("POST", "/_sim/faults", "", "", rule.dump()).status == 201); }
    void clear_faults() { sim.call("DELETE", "/_sim/faults"); }
    json counters() { return sim.call("GET", "/_sim/counters").body; }
    void reset_counters() { sim.call("DELETE", "/_sim/counters"); }
    void settle() { REQUIRE(sim.call("POST", "/_sim/settle").status < 300); }

    std::string admin_token() {
        if (token_.empty()) token_ = sim.token("admin", "admin-secret", "admin");
        return token_;
    }
    json server_metadata(const std::string& server_id) {
        auto a = sim.call("GET", "/compute/v2.1/servers/" + server_id + "/metadata", admin_token());
        REQUIRE(a.status == 200);
        return a.body["metadata"];
    }
    void set_server_metadata(const std::string& server_id, const std::string& key, const std::string& value) {
        json body = {{"meta", {{key, value}}}};
        auto a =
            sim.call("PUT", "/compute/v2.1/servers/" + server_id + "/metadata/" + key, admin_token(), "", body.dump());
        REQUIRE(a.status == 200);
    }
    void delete_server_metadata(const std::string& server_id, const std::string& key) {
        auto a = sim.call("DELETE", "/compute/v2.1/servers/" + server_id + "/metadata/" + key, admin_token());
        REQUIRE(a.status == 204);
    }

    // Waits (real time) until the next second starts, so that backups made after it sort after
    // the ones before: Cinder's timestamps have a resolution of one second.
    static void next_second() {
        auto now = Clock::now();
        auto next = std::chrono::time_point_cast<std::chrono::seconds>(now) + std::chrono::seconds(1);
        std::this_thread::sleep_until(next + std::chrono::milliseconds(20));
    }

    // A staffeln.conf for the real binary: this rig's store, locks and keys, plus conductor_lines.
    std::filesystem::path write_conf(const std::string& conductor_lines = "") const {
        return dir.write("staffeln.conf",
                         fmt::format("[conductor]\nbackup_metadata_key = __staffeln_backup\n"
                                     "retention_metadata_key = __staffeln_retention\n"
                                     "backup_min_interval = 0\nbackup_poll_interval = 1\n{}\n[database]\n"
                                     "connection = sqlite:///{}\n",
                                     conductor_lines, (dir / "staffeln.db").string()));
    }

    // The OS_* variables an openrc for the admin user sets.
    std::map<std::string, std::string> os_env() const { return simtest::admin_os_env(sim.server->base_url()); }

    simtest::Harness sim;
    TempDir dir;
    config::Config config;
    openstack::Cloud cloud;
    store::Database db;
    Mutex db_mutex;
    std::unique_ptr<coordination::Coordinator> locks;
    conductor::StopSignal stop;
    std::atomic<long> offset{0};

private:
    store::Database open_store() { return new_store(dir / "staffeln.db"); }
    std::string token_;
};

}  // namespace staffeln::testing
