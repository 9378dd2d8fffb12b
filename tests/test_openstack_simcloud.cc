// The OpenStack client against the real staffeln-simcloud process on loopback: every call,
// across several pages, through token expiry, injected faults and every error kind.
#include "staffeln/openstack/cloud.h"
#include "staffeln/openstack/iso_time.h"
#include "support/paths.h"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

extern char** environ;

using namespace staffeln;
using namespace staffeln::openstack;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

const char* const admin_project = "a2425abc42da456eae8e8d8ac24de1f7";
const char* const demo_project = "36c9253a0e304fb4ab70dcd8b616c0f9";
const char* const other_project = "5d1bd0bcbb7e4ea1a7fd30bb0e3f2a1c";
const char* const in_use_volume = "a73168ec-1e3d-4752-8498-b225ebff3cb5";
const char* const spare_volume = "8b55d7d0-b30f-4916-a30f-694b5aaad9e6";

// Five servers in demo and three in other, each with one or two volumes, and a chain of
// backups (full, incremental) of the in-use volume: enough for several pages of two.
Json scenario() {
    Json servers = Json::array();
    for (int i = 0; i < 8; ++i) {
        Json volumes = Json::array({{{"name", "vol-" + std::to_string(i)}, {"size", 2}}});
        if (i == 0)
            volumes =
                Json::array({{{"id", in_use_volume}, {"name", "root"}, {"size", 1}}, {{"name", "data"}, {"size", 3}}});
        servers.push_back({{"name", "vm-" + std::to_string(i)},
                           {"project", i < 5 ? "demo" : "other"},
                           {"metadata", {{"__staffeln_backup", i % 2 == 0 ? "true" : "false"}}},
                           {"volumes", volumes}});
    }
    return {
        {"settings", {{"backup_create_seconds", 30}, {"backup_delete_seconds", 30}}},
        {"projects",
         {{{"id", admin_project}, {"name", "admin"}},
          {{"id", demo_project}, {"name", "demo"}, {"quota", {{"backups", 50}, {"backup_gigabytes", 500}}}},
          {{"id", other_project}, {"name", "other"}}}},
        {"users",
         {{{"name", "admin"}, {"password", "admin-pw"}, {"email", "admin@example.org"}, {"roles", {{"*", {"admin"}}}}},
          {{"id", "2ef08c540f374ac68114b3843daa70e5"},
           {"name", "demo"},
           {"password", "demo-pw"},
           {"email", "demo@example.org"},
           {"roles", {{"demo", {"member", "reader"}}}}}}},
        {"application_credentials",
         {{{"id", "ac0001"}, {"name", "staffeln"}, {"secret", "ac-secret"}, {"user", "admin"}, {"project", "admin"}}}},
        {"servers", servers},
        {"volumes", {{{"id", spare_volume}, {"name", "spare"}, {"project", "demo"}, {"size", 1}}}},
        {"backups",
         {{{"volume", in_use_volume},
           {"name", "full"},
           {"created_at", "2026-11-20T03:00:00Z"},
           {"metadata", {{"staffeln:task", "t-1"}}}},
          {{"volume", in_use_volume}, {"name", "incr"}, {"incremental", true}, {"created_at", "2026-11-21T03:00:00Z"}},
          {{"volume", "spare"}, {"name", "spare-1"}, {"created_at", "2026-11-21T04:00:00Z"}},
          {{"volume", "spare"}, {"name", "spare-2"}, {"status", "error"}, {"created_at", "2026-11-21T05:00:00Z"}}}},
    };
}

// A staffeln-simcloud process serving `scenario()` on a free loopback port; stopped on destruction.
class SimCloud {
public:
    SimCloud() {
        dir_ = fs::temp_directory_path() / ("staffeln-sim-" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
        std::ofstream(dir_ / "scenario.json") << scenario().dump();
        start();
    }
    // SIGTERM first; the simulator may wait out idle keep-alive connections, so SIGKILL after 300 ms.
    ~SimCloud() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 30 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i)
            std::this_thread::sleep_for(milliseconds(10));
        if (::waitpid(pid_, &status, WNOHANG) == 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
        }
        fs::remove_all(dir_);
    }

    Credentials admin() const {
        Credentials c;
        c.auth_url = base_ + "/identity/v3";
        c.username = "admin";
        c.password = "admin-pw";
        c.project_name = "admin";
        c.user_domain_id = c.project_domain_id = "default";
        c.source = "simcloud";
        return c;
    }
    Credentials demo() const {
        Credentials c = admin();
        c.username = "demo";
        c.password = "demo-pw";
        c.project_name = "demo";
        return c;
    }

    // The control API under /_sim/.
    Json control(const std::string& method, const std::string& path, const Json& body = nullptr) const {
        net::Transport transport(net::TransportOptions{});
        auto response = transport.perform({method,
                                           base_ + "/_sim" + path,
                                           {{"Content-Type", "application/json"}},
                                           body.is_null() ? "" : body.dump()});
        REQUIRE(response.ok());
        REQUIRE(response->status < 300);
        return response->body.empty() ? Json() : Json::parse(response->body);
    }
    void fault(const Json& rule) const { control("POST", "/faults", rule); }
    std::uint64_t count(const std::string& key) const {
        const Json counters = control("GET", "/counters");
        return counters["requests"].value(key, std::uint64_t{0});
    }
    const std::string& base() const { return base_; }

private:
    void start() {
        int out[2];
        REQUIRE(::pipe(out) == 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_addopen(&actions, 2, (dir_ / "stderr.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0600);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        const std::string scenario_path = (dir_ / "scenario.json").string();
        const char* argv[] = {
            staffeln::testing::kSimcloudBinary, "--scenario", scenario_path.c_str(), "--port", "0", nullptr};
        REQUIRE(posix_spawn(&pid_, staffeln::testing::kSimcloudBinary, &actions, nullptr, const_cast<char**>(argv),
                            environ) == 0);
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        FILE* stdout_of_sim = ::fdopen(out[0], "r");
        char line[256] = {0};
        const bool got = std::fgets(line, sizeof line, stdout_of_sim) != nullptr;
        std::fclose(stdout_of_sim);
        REQUIRE_MESSAGE(got, "staffeln-simcloud did not start; see " << (dir_ / "stderr.log"));
        base_ = line;
        while (!base_.empty() && (base_.back() == '\n' || base_.back() == '\r')) base_.pop_back();
    }

    fs::path dir_;
    pid_t pid_ = 0;
    std::string base_;
};

RetryPolicy quick_retries() { return RetryPolicy{milliseconds(1500), milliseconds(200), {404}, milliseconds(20)}; }

std::vector<std::string> names_of(const auto& items) {
    std::vector<std::string> names;
    for (const auto& item : items) names.push_back(item.name);
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

TEST_CASE("Keystone: projects, role assignments with names and a user's e-mail") {
    SimCloud sim;
    Cloud cloud(sim.admin(), quick_retries());
    auto projects = cloud.keystone().list_projects();
    REQUIRE(projects.ok());
    CHECK(names_of(*projects) == std::vector<std::string>{"admin", "demo", "other"});

    auto assignments = cloud.keystone().role_assignments(demo_project);
    REQUIRE(assignments.ok());
    std::vector<std::string> roles;
    for (const auto& a : *assignments)
        if (a.user_name == "demo") roles.push_back(a.role_name);
    std::sort(roles.begin(), roles.end());
    CHECK(roles == std::vector<std::string>{"member", "reader"});

    auto user = cloud.keystone().get_user("2ef08c540f374ac68114b3843daa70e5");
    REQUIRE(user.ok());
    CHECK(user->email == "demo@example.org");
    auto missing = cloud.keystone().get_user("00000000000000000000000000000000");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == ErrorKind::not_found);
    CHECK(missing.error().http_status == 404);
}

TEST_CASE("Nova: servers of every project across pages, one project's, and a metadata key set") {
    SimCloud sim;
    Cloud cloud(sim.admin(), quick_retries());
    auto servers = cloud.nova().list_servers({true, "", 2});
    REQUIRE(servers.ok());
    CHECK(servers->size() == 8);
    CHECK(sim.count("GET /compute/v2.1/servers/detail") == 5);  // four full pages and an empty one
    auto vm0 = std::find_if(servers->begin(), servers->end(), [](const Server& s) { return s.name == "vm-0"; });
    REQUIRE(vm0 != servers->end());
    CHECK(vm0->project_id == demo_project);
    CHECK(vm0->status == "ACTIVE");
    CHECK(vm0->metadata.at("__staffeln_backup") == "true");
    REQUIRE(vm0->volume_ids.size() == 2);
    CHECK(vm0->volume_ids[0] == in_use_volume);

    auto other = cloud.nova().list_servers({true, other_project, 2});
    REQUIRE(other.ok());
    CHECK(names_of(*other) == std::vector<std::string>{"vm-5", "vm-6", "vm-7"});

    REQUIRE(cloud.nova().set_server_metadata(vm0->id, "__staffeln_last_backup", "2026-11-22T04:00:00Z").ok());
    auto again = cloud.nova().list_servers({true, demo_project, 1000});
    REQUIRE(again.ok());
    auto updated = std::find_if(again->begin(), again->end(), [](const Server& s) { return s.name == "vm-0"; });
    CHECK(updated->metadata.at("__staffeln_last_backup") == "2026-11-22T04:00:00Z");
    CHECK(updated->metadata.at("__staffeln_backup") == "true");

    auto gone = cloud.nova().set_server_metadata("00000000-0000-0000-0000-000000000000", "k", "v");
    REQUIRE_FALSE(gone.ok());
    CHECK(gone.error().kind == ErrorKind::not_found);
}

TEST_CASE("Cinder: volumes and backups of every project across pages, with filters") {
    SimCloud sim;
    Cloud cloud(sim.admin(), quick_retries());
    auto volumes = cloud.cinder().list_volumes({true, "", 3});
    REQUIRE(volumes.ok());
    CHECK(volumes->size() == 10);
    auto root = std::find_if(volumes->begin(), volumes->end(), [](const Volume& v) { return v.id == in_use_volume; });
    REQUIRE(root != volumes->end());
    CHECK(root->status == "in-use");
    CHECK(root->project_id == demo_project);
    CHECK(root->size_gb == 1);
    CHECK(root->bootable);
    CHECK(root->device == "/dev/vda");
    auto spare = std::find_if(volumes->begin(), volumes->end(), [](const Volume& v) { return v.id == spare_volume; });
    REQUIRE(spare != volumes->end());
    CHECK_FALSE(spare->bootable);
    CHECK(spare->device.empty());

    auto backups = cloud.cinder().list_backups({true, "", "", "", 1});
    REQUIRE(backups.ok());
    CHECK(names_of(*backups) == std::vector<std::string>{"full", "incr", "spare-1", "spare-2"});
    CHECK(sim.count("GET /volume/v3/{project_id}/backups/detail") >= 4);
    auto full = std::find_if(backups->begin(), backups->end(), [](const Backup& b) { return b.name == "full"; });
    CHECK(full->project_id == demo_project);
    CHECK(full->has_dependent_backups);
    CHECK_FALSE(full->is_incremental);
    CHECK(full->metadata.at("staffeln:task") == "t-1");
    CHECK(full->created_at == parse_iso_time("2026-11-20T03:00:00Z"));
    auto failed = std::find_if(backups->begin(), backups->end(), [](const Backup& b) { return b.name == "spare-2"; });
    CHECK(failed->status == "error");

    auto of_volume = cloud.cinder().list_backups({true, "", in_use_volume, "available", 1});
    REQUIRE(of_volume.ok());
    CHECK(names_of(*of_volume) == std::vector<std::string>{"full", "incr"});
    auto of_other = cloud.cinder().list_backups({true, other_project, "", "", 10});
    REQUIRE(of_other.ok());
    CHECK(of_other->empty());
    CHECK(*cloud.cinder().supports_backup_metadata());
}

TEST_CASE("Cinder: for_each_backup hands over every backup of every page, one page at a time") {
    SimCloud sim;
    Cloud cloud(sim.admin(), quick_retries());
    std::vector<Backup> streamed;
    Status listed =
        cloud.cinder().for_each_backup({true, "", "", "", 1}, [&](Backup&& b) { streamed.push_back(std::move(b)); });
    REQUIRE(listed.ok());
    CHECK(names_of(streamed) == std::vector<std::string>{"full", "incr", "spare-1", "spare-2"});
    CHECK(sim.count("GET /volume/v3/{project_id}/backups/detail") >= 4);  // a page of one per backup

    sim.fault({{"method", "GET"}, {"path_prefix", "/volume/v3"}, {"status", 404}, {"count", 1}});
    int handed = 0;
    Status failed = cloud.cinder().for_each_backup({}, [&](Backup&&) { ++handed; });
    REQUIRE_FALSE(failed.ok());
    CHECK(handed == 0);
}

TEST_CASE("Cinder: a backup is created in the volume's project with that project's token") {
    SimCloud sim;
    Cloud cloud(sim.admin(), quick_retries());
    BackupRequest request{demo_project, spare_volume, "staffeln-1", "Backup by staffeln",
                          false,        false,        "",           {{"staffeln:task", "t-2"}}};
    auto id = cloud.cinder().create_backup(request);
    REQUIRE(id.ok());
    auto created = cloud.cinder().get_backup(*id);
    REQUIRE(created.ok());
    CHECK(created->project_id == demo_project);
    CHECK(created->status == "creating");
    CHECK(created->metadata.at("staffeln:task") == "t-2");
    auto seen_by_project = cloud.cinder().get_backup(*id, demo_project);
    REQUIRE(seen_by_project.ok());
    CHECK(seen_by_project->name == "staffeln-1");
    sim.control("POST", "/settle");
    CHECK(cloud.cinder().get_backup(*id)->status == "available");

    // Incremental in use: force is needed, and Cinder's refusal is a conflict with its text.
    BackupRequest in_use{demo_project, in_use_volume, "incr-2", "", true, false, "", {}};
    auto refused = cloud.cinder().create_backup(in_use);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::conflict);
    CHECK(refused.error().http_status == 400);
    CHECK(refused.error().message.ends_with(
        "HTTP 400: Invalid volume: Backing up an in-use volume must use the force flag."));
    CHECK_FALSE(refused.error().request_id.empty());
    in_use.force = true;
    auto incremental = cloud.cinder().create_backup(in_use);
    REQUIRE(incremental.ok());
    CHECK(cloud.cinder().get_backup(*incremental)->is_incremental);
}

TEST_CASE("Cinder: a volume is made tagged in a project, restored into from a backup, tagged again and deleted") {
    SimCloud sim;
    Cloud cloud(sim.admin(), quick_retries());
    sim.control("POST", "/settle");
    auto backups = cloud.cinder().list_backups({true, demo_project, spare_volume, "available"});
    REQUIRE(backups.ok());
    REQUIRE(backups->size() == 1);
    const std::string backup_id = backups->front().id;

    auto made =
        cloud.cinder().create_volume({demo_project, 1, "spare-restored", "__DEFAULT__", {{"staffeln:restore", "r-1"}}});
    REQUIRE(made.ok());
    CHECK(made->status == "creating");
    CHECK(made->name == "spare-restored");
    CHECK(made->size_gb == 1);
    auto tagged = cloud.cinder().list_volume_details({true, "", 1000, {{"staffeln:restore", "r-1"}}});
    REQUIRE(tagged.ok());
    REQUIRE(tagged->size() == 1);
    CHECK(tagged->front().volume.id == made->id);
    CHECK(tagged->front().volume.project_id == demo_project);
    CHECK(tagged->front().volume_type == "__DEFAULT__");

    // Not yet available: Cinder's refusal is a conflict with its text.
    auto early = cloud.cinder().restore_backup(backup_id, made->id, demo_project);
    REQUIRE_FALSE(early.ok());
    CHECK(early.error().kind == ErrorKind::conflict);
    CHECK(early.error().message.ends_with("HTTP 400: Invalid volume: Volume to be restored to must be available"));
    sim.control("POST", "/settle");
    REQUIRE(cloud.cinder().restore_backup(backup_id, made->id, demo_project).ok());
    auto restoring = cloud.cinder().get_volume(made->id, demo_project);
    REQUIRE(restoring.ok());
    CHECK(restoring->status == "restoring-backup");
    CHECK(cloud.cinder().get_backup(backup_id)->status == "restoring");
    auto busy = cloud.cinder().restore_backup(backup_id, made->id, demo_project);
    REQUIRE_FALSE(busy.ok());
    CHECK(busy.error().message.ends_with("HTTP 400: Invalid backup: Backup status must be available"));
    sim.control("POST", "/settle");
    auto restored = cloud.cinder().get_volume(made->id);
    REQUIRE(restored.ok());
    CHECK(restored->status == "available");
    CHECK(restored->metadata.count("staffeln:restore") == 0);  // replaced by the source's
    CHECK(restored->metadata.at("src_backup_id") == backup_id);
    REQUIRE(cloud.cinder().set_volume_metadata(made->id, {{"staffeln:restore", "r-1"}}, demo_project).ok());
    REQUIRE(cloud.cinder().set_bootable(made->id, true, demo_project).ok());
    auto retagged = cloud.cinder().get_volume(made->id, demo_project);
    CHECK(retagged->metadata.at("staffeln:restore") == "r-1");
    CHECK(retagged->metadata.at("src_backup_id") == backup_id);
    CHECK(retagged->bootable);

    auto missing_backup = cloud.cinder().restore_backup("00000000-0000-0000-0000-000000000000", made->id, demo_project);
    REQUIRE_FALSE(missing_backup.ok());
    CHECK(missing_backup.error().kind == ErrorKind::not_found);
    auto bad_size = cloud.cinder().create_volume({demo_project, 0, "bad", "", {}});
    REQUIRE_FALSE(bad_size.ok());
    CHECK(bad_size.error().message.ends_with(
        "HTTP 400: Invalid input for field/attribute size. Value: 0. 0 is less than the minimum of 1"));

    REQUIRE(cloud.cinder().delete_volume(made->id, demo_project).ok());
    // As recorded (tests/e2e/recorded/restore-calls.md): deleting for a while, then 404.
    auto deleting = cloud.cinder().get_volume(made->id, demo_project);
    REQUIRE(deleting.ok());
    CHECK(deleting->status == "deleting");
    sim.control("POST", "/settle");
    auto gone = cloud.cinder().get_volume(made->id, demo_project);
    REQUIRE_FALSE(gone.ok());
    CHECK(gone.error().kind == ErrorKind::not_found);
    auto attached = cloud.cinder().delete_volume(in_use_volume, demo_project);
    REQUIRE_FALSE(attached.ok());
    CHECK(attached.error().kind == ErrorKind::conflict);
}

TEST_CASE("Cinder: a backup is restored over its own volume only once the volume is detached") {
    SimCloud sim;
    Cloud cloud(sim.admin(), quick_retries());
    auto backup = cloud.cinder().create_backup({demo_project, in_use_volume, "before", "", false, true, "", {}});
    REQUIRE(backup.ok());
    sim.control("POST", "/settle");
    // Attached: Cinder's refusal, as for any volume not available.
    auto attached = cloud.cinder().restore_backup(*backup, in_use_volume, demo_project);
    REQUIRE_FALSE(attached.ok());
    CHECK(attached.error().kind == ErrorKind::conflict);
    CHECK(attached.error().message.ends_with("HTTP 400: Invalid volume: Volume to be restored to must be available"));
    REQUIRE(
        cloud.cinder().set_volume_metadata(in_use_volume, {{"staffeln:restore_pending", "r-1"}}, demo_project).ok());
    sim.control("POST", "/volumes/" + std::string(in_use_volume) + "/detach");
    auto detached = cloud.cinder().get_volume(in_use_volume, demo_project);
    REQUIRE(detached.ok());
    CHECK(detached->status == "available");
    CHECK(detached->device.empty());
    REQUIRE(cloud.cinder().restore_backup(*backup, in_use_volume, demo_project).ok());
    CHECK(cloud.cinder().get_volume(in_use_volume, demo_project)->status == "restoring-backup");
    sim.control("POST", "/settle");
    auto restored = cloud.cinder().get_volume(in_use_volume, demo_project);
    REQUIRE(restored.ok());
    CHECK(restored->status == "available");
    // The metadata replaced by the one it had when backed up: the mark set since is gone.
    CHECK(restored->metadata.count("staffeln:restore_pending") == 0);
    CHECK(restored->metadata.at("src_backup_id") == *backup);
}

TEST_CASE("Cinder: snapshots are made tagged in the volume's project, listed, backed up from and deleted") {
    SimCloud sim;
    Cloud cloud(sim.admin(), quick_retries());
    SnapshotRequest request{demo_project, in_use_volume, "staffeln-snap", "", true, {{"staffeln:task", "t-9"}}};
    auto made = cloud.cinder().create_snapshot(request);
    REQUIRE(made.ok());
    CHECK(made->status == "creating");
    CHECK(made->volume_id == in_use_volume);
    CHECK(made->metadata.at("staffeln:task") == "t-9");

    // Without force an in-use volume is refused, with Cinder's text.
    request.force = false;
    auto refused = cloud.cinder().create_snapshot(request);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::conflict);
    CHECK(refused.error().message.ends_with("HTTP 400: Invalid volume: Volume " + std::string(in_use_volume) +
                                            " status must be available, but current status is: in-use."));

    sim.control("POST", "/settle");
    auto listed = cloud.cinder().list_snapshots({});
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 1);
    const Snapshot& snap = listed->front();
    CHECK(snap.id == made->id);
    CHECK(snap.project_id == demo_project);
    CHECK(snap.status == "available");
    CHECK(snap.created_at == made->created_at);
    CHECK(snap.metadata.at("staffeln:task") == "t-9");

    BackupRequest from_snapshot{demo_project, in_use_volume, "from-snap", "", false, false, snap.id, {}};
    auto backup_id = cloud.cinder().create_backup(from_snapshot);
    REQUIRE(backup_id.ok());
    auto backup = cloud.cinder().get_backup(*backup_id);
    REQUIRE(backup.ok());
    CHECK(backup->snapshot_id == snap.id);
    CHECK(backup->data_timestamp == snap.created_at);
    CHECK(cloud.cinder().get_snapshot(snap.id, demo_project)->status == "backing-up");

    auto busy = cloud.cinder().delete_snapshot(snap.id, demo_project);
    REQUIRE_FALSE(busy.ok());
    CHECK(busy.error().kind == ErrorKind::conflict);
    CHECK(busy.error().message.ends_with(
        "Invalid snapshot: Snapshot status must be available or error and must not be part of a group."));
    sim.control("POST", "/settle");
    REQUIRE(cloud.cinder().delete_snapshot(snap.id, demo_project).ok());
    sim.control("POST", "/settle");
    auto gone = cloud.cinder().get_snapshot(snap.id);
    REQUIRE_FALSE(gone.ok());
    CHECK(gone.error().kind == ErrorKind::not_found);
    CHECK(cloud.cinder().list_snapshots({})->empty());
}

TEST_CASE("Cinder: a snapshot over the project's quota is refused with 413 and Cinder's text") {
    SimCloud sim;
    Cloud cloud(sim.admin(), quick_retries());
    sim.control("POST", "/settle");
    for (int i = 0; i < 10; ++i)  // the default snapshot quota is 10
        REQUIRE(cloud.cinder().create_snapshot({demo_project, spare_volume, "", "", false, {}}).ok());
    auto over = cloud.cinder().create_snapshot({demo_project, spare_volume, "", "", false, {}});
    REQUIRE_FALSE(over.ok());
    CHECK(over.error().http_status == 413);
    CHECK(over.error().message.ends_with("SnapshotLimitExceeded: Maximum number of snapshots allowed (10) exceeded"));
    CHECK_FALSE(over.error().maybe_applied);
}

// Cinder finds dependents with get_all(parent_id=...) in the caller's project: the conflict shows
// only with a token of the backup's project, which is why retention deletes with one.
TEST_CASE("Cinder: deleting a backup with incrementals is a conflict in its project, a missing one not_found") {
    SimCloud sim;
    Cloud cloud(sim.admin(), quick_retries());
    auto chain = cloud.cinder().list_backups({true, "", in_use_volume, "", 1000});
    REQUIRE(chain.ok());
    auto full = std::find_if(chain->begin(), chain->end(), [](const Backup& b) { return b.name == "full"; });
    auto incr = std::find_if(chain->begin(), chain->end(), [](const Backup& b) { return b.name == "incr"; });
    auto refused = cloud.cinder().delete_backup(full->id, demo_project);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::conflict);
    CHECK(refused.error().message.ends_with("Invalid backup: Incremental backups exist for this backup."));
    REQUIRE(cloud.cinder().delete_backup(incr->id, demo_project).ok());
    sim.control("POST", "/settle");
    REQUIRE(cloud.cinder().delete_backup(full->id).ok());
    sim.control("POST", "/settle");
    auto gone = cloud.cinder().get_backup(full->id);
    REQUIRE_FALSE(gone.ok());
    CHECK(gone.error().kind == ErrorKind::not_found);
    CHECK(gone.error().message.ends_with("HTTP 404: Backup " + full->id + " could not be found."));
    CHECK(sim.count("GET /volume/v3/{project_id}/backups/{id}") == 1);  // 404 is in skip_retry_codes
}

TEST_CASE("Cinder: backup quota usage, and export then import of a record") {
    SimCloud sim;
    Cloud cloud(sim.admin(), quick_retries());
    auto quota = cloud.cinder().backup_quota(demo_project);
    REQUIRE(quota.ok());
    CHECK(quota->backups.limit == 50);
    CHECK(quota->backups.in_use == 4);
    CHECK(quota->gigabytes.limit == 500);
    CHECK(quota->gigabytes.in_use == 4);

    auto backups = cloud.cinder().list_backups({true, "", spare_volume, "available", 1000});
    REQUIRE(backups.ok());
    REQUIRE(backups->size() == 1);
    const std::string id = backups->front().id;
    auto record = cloud.cinder().export_record(id);
    REQUIRE(record.ok());
    CHECK_FALSE(record->backup_url.empty());
    CHECK(record->backup_service == "cinder.backup.drivers.posix.PosixBackupDriver");
    CHECK(record->parent_id.empty());
    // An incremental's record names its parent, which Cinder's backup listing does not show.
    auto chain = cloud.cinder().list_backups({true, "", in_use_volume, "", 1000});
    REQUIRE(chain.ok());
    auto full = std::find_if(chain->begin(), chain->end(), [](const Backup& b) { return b.name == "full"; });
    auto incr = std::find_if(chain->begin(), chain->end(), [](const Backup& b) { return b.name == "incr"; });
    REQUIRE((full != chain->end() && incr != chain->end()));
    auto incr_record = cloud.cinder().export_record(incr->id);
    REQUIRE(incr_record.ok());
    CHECK(incr_record->parent_id == full->id);
    auto duplicate = cloud.cinder().import_record(*record);
    REQUIRE_FALSE(duplicate.ok());
    CHECK(duplicate.error().message.ends_with("Invalid backup: Backup already exists in database."));
    REQUIRE(cloud.cinder().delete_backup(id).ok());
    sim.control("POST", "/settle");
    auto imported = cloud.cinder().import_record(*record);
    REQUIRE(imported.ok());
    CHECK(*imported == id);
}

TEST_CASE("a member's token is forbidden what needs admin, and bad passwords are unauthorized") {
    SimCloud sim;
    Cloud demo(sim.demo(), quick_retries());
    auto servers = demo.nova().list_servers({true, "", 1000});
    REQUIRE_FALSE(servers.ok());
    CHECK(servers.error().kind == ErrorKind::forbidden);
    auto own = demo.nova().list_servers({false, "", 1000});
    REQUIRE(own.ok());
    CHECK(own->size() == 5);
    auto backups = demo.cinder().list_backups({false, "", "", "", 1000});
    REQUIRE(backups.ok());
    auto exported = demo.cinder().export_record(backups->front().id);
    REQUIRE_FALSE(exported.ok());
    CHECK(exported.error().kind == ErrorKind::forbidden);
    CHECK(exported.error().message.ends_with("HTTP 403: Policy doesn't allow backup:export-import to be performed."));

    Credentials wrong = sim.admin();
    wrong.password = "nope";
    Cloud intruder(wrong, quick_retries());
    auto denied = intruder.keystone().list_projects();
    REQUIRE_FALSE(denied.ok());
    CHECK(denied.error().kind == ErrorKind::unauthorized);
    CHECK(denied.error().message.starts_with("authenticating with simcloud: POST " + sim.base() +
                                             "/identity/v3/auth/tokens: HTTP 401: "));
}

TEST_CASE("application credentials authenticate, and cannot act in another project") {
    SimCloud sim;
    Credentials app = sim.admin();
    app.auth_type = AuthType::application_credential;
    app.username.clear();
    app.password.clear();
    app.application_credential_id = "ac0001";
    app.application_credential_secret = "ac-secret";
    Cloud cloud(app, quick_retries());
    auto servers = cloud.nova().list_servers({true, "", 1000});
    REQUIRE(servers.ok());
    CHECK(servers->size() == 8);
    auto elsewhere = cloud.cinder().create_backup({demo_project, spare_volume, "x", "", false, false, "", {}});
    REQUIRE_FALSE(elsewhere.ok());
    CHECK(elsewhere.error().kind == ErrorKind::invalid_input);
}

TEST_CASE("tokens are renewed before they expire and once after a 401") {
    SimCloud sim;
    sim.control("PATCH", "/config", {{"token_lifetime_seconds", 2}});
    Cloud cloud(sim.admin(), quick_retries());
    REQUIRE(cloud.nova().list_servers({true, "", 1000}).ok());
    CHECK(sim.count("POST /identity/v3/auth/tokens") == 1);
    std::this_thread::sleep_for(milliseconds(1100));  // past half the token's life
    REQUIRE(cloud.nova().list_servers({true, "", 1000}).ok());
    CHECK(sim.count("POST /identity/v3/auth/tokens") == 2);

    sim.control("PATCH", "/config", {{"token_lifetime_seconds", 3600}});
    sim.control("POST", "/tokens/expire");
    REQUIRE(cloud.nova().list_servers({true, "", 1000}).ok());  // now with a long-lived token
    sim.control("POST", "/tokens/expire");
    const auto servers_before = sim.count("GET /compute/v2.1/servers/detail");
    const auto tokens_before = sim.count("POST /identity/v3/auth/tokens");
    REQUIRE(cloud.nova().list_servers({true, "", 1000}).ok());
    CHECK(sim.count("GET /compute/v2.1/servers/detail") == servers_before + 2);  // a 401, then success
    CHECK(sim.count("POST /identity/v3/auth/tokens") == tokens_before + 1);

    sim.fault({{"expire_token", true}, {"path_prefix", "/compute"}});
    auto always_expired = cloud.nova().list_servers({true, "", 1000});
    REQUIRE_FALSE(always_expired.ok());
    CHECK(always_expired.error().kind == ErrorKind::unauthorized);
}

TEST_CASE("injected 5xx answers are retried, and retries stop at retry_timeout") {
    SimCloud sim;
    Cloud cloud(sim.admin(), quick_retries());
    REQUIRE(cloud.nova().list_servers({true, "", 1000}).ok());  // tokens and versions first: faults hit the lists only
    REQUIRE(cloud.cinder().supports_backup_metadata().ok());
    sim.control("DELETE", "/counters");
    sim.fault({{"method", "GET"},
               {"path_prefix", "/compute/v2.1/servers"},
               {"status", 503},
               {"retry_after", 0},
               {"count", 2}});
    REQUIRE(cloud.nova().list_servers({true, "", 1000}).ok());
    CHECK(sim.count("GET /compute/v2.1/servers/detail") == 3);

    sim.fault({{"method", "GET"}, {"path_prefix", "/volume"}, {"status", 500}});
    const auto start = steady_clock::now();
    auto failed = cloud.cinder().list_volumes({true, "", 1000});
    const auto elapsed = steady_clock::now() - start;
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().kind == ErrorKind::unavailable);
    CHECK(failed.error().http_status == 500);
    CHECK(elapsed >= milliseconds(1300));
    CHECK(elapsed < milliseconds(2500));
    CHECK(sim.count("GET /volume/v3/{project_id}/volumes/detail") > 3);
}

TEST_CASE("a 429 is retried after its Retry-After, even for a create") {
    SimCloud sim;
    RetryPolicy policy = quick_retries();
    policy.retry_timeout = milliseconds(3000);
    Cloud cloud(sim.admin(), policy);
    REQUIRE(cloud.cinder().supports_backup_metadata().ok());
    sim.fault({{"method", "POST"}, {"path_prefix", "/volume"}, {"status", 429}, {"retry_after", 1}, {"count", 1}});
    const auto start = steady_clock::now();
    auto id = cloud.cinder().create_backup({demo_project, spare_volume, "after-429", "", false, false, "", {}});
    REQUIRE(id.ok());
    CHECK(steady_clock::now() - start >= milliseconds(1000));
    CHECK(sim.count("POST /volume/v3/{project_id}/backups") == 2);
}

TEST_CASE("a create whose answer is lost is not sent again, and is found by its tag") {
    SimCloud sim;
    Cloud cloud(sim.admin(), quick_retries(), milliseconds(1000), milliseconds(400));
    REQUIRE(cloud.cinder().supports_backup_metadata().ok());
    sim.fault({{"method", "POST"}, {"path_prefix", "/volume"}, {"latency_ms", 900}, {"count", 1}});
    auto lost = cloud.cinder().create_backup(
        {demo_project, spare_volume, "lost", "", false, false, "", {{"staffeln:task", "t-9"}}});
    REQUIRE_FALSE(lost.ok());
    CHECK(lost.error().kind == ErrorKind::timeout);
    CHECK(lost.error().maybe_applied);
    std::this_thread::sleep_for(milliseconds(700));  // the simulator finishes the request it was sent
    CHECK(sim.count("POST /volume/v3/{project_id}/backups") == 1);
    auto found = cloud.cinder().list_backups({true, "", spare_volume, "", 1000});
    REQUIRE(found.ok());
    CHECK(std::count_if(found->begin(), found->end(), [](const Backup& b) {
              return b.metadata.count("staffeln:task") && b.metadata.at("staffeln:task") == "t-9";
          }) == 1);

    sim.fault({{"method", "POST"}, {"path_prefix", "/volume"}, {"drop_rate", 1.0}, {"count", 1}});
    auto dropped = cloud.cinder().create_backup({demo_project, spare_volume, "dropped", "", false, false, "", {}});
    REQUIRE_FALSE(dropped.ok());
    CHECK(dropped.error().kind == ErrorKind::unavailable);
    CHECK(dropped.error().message.starts_with("POST " + sim.base() + "/volume/v3/" + demo_project + "/backups: "));
    CHECK(dropped.error().maybe_applied);
    CHECK(sim.count("POST /volume/v3/{project_id}/backups") == 2);

    sim.fault({{"method", "GET"}, {"path_prefix", "/compute"}, {"drop_rate", 1.0}, {"count", 2}});
    CHECK(cloud.nova().list_servers({true, "", 1000}).ok());  // reads are retried
}

TEST_CASE("one Cloud serves several threads at once, with one token per project") {
    SimCloud sim;
    Cloud cloud(sim.admin(), quick_retries());
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) {
                if (!cloud.nova().list_servers({true, "", 3}).ok()) ++failures;
                if (!cloud.cinder().list_backups({false, "", "", "", 1000}).ok()) ++failures;
                if (!cloud.cinder().backup_quota(demo_project).ok()) ++failures;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(failures == 0);
    CHECK(sim.count("POST /identity/v3/auth/tokens") == 1);
    CHECK(sim.count("GET /compute/v2.1/servers/detail") == 4 * 5 * 3);
}
