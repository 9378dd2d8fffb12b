// The simulated cloud's whole state: identity, servers, volumes, backups and tokens, with
// ordered indexes (newest first, as Nova and Cinder list) so a page costs O(log n + page).
// Not thread-safe by itself: the server holds Cloud::mutex around every request.
#pragma once

#include "simcloud/clock.h"
#include "staffeln/thread_annotations.h"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace staffeln::sim {

using Handle = std::uint32_t;
using Meta = std::map<std::string, std::string>;

struct Settings {
    std::string region = "RegionOne";
    double token_lifetime_s = 3600;
    double backup_create_s = 2;    // creating -> available (or error)
    double backup_delete_s = 1;    // deleting -> gone
    double backup_import_s = 0.3;  // an imported backup: creating -> available (recorded: 0.3 s)
    double backup_error_rate = 0;  // share of creates that end in error
    std::string backup_fail_reason = "Simulated backup failure";
    double snapshot_create_s = 1;    // creating -> available (or error)
    double snapshot_error_rate = 0;  // share of snapshots that end in error
    double snapshot_delete_s = 1;    // deleting -> gone
    double volume_create_s = 2;      // creating -> available (recorded: 2 to 3 s)
    double volume_delete_s = 1;      // deleting -> gone (real Cinder shows deleting for a while first)
    double restore_s_per_gib = 1;    // restoring-backup -> available, per GiB of the backup (recorded: ~55 s)
    double restore_error_rate = 0;   // share of restores that leave the volume error_restoring
    double server_boot_s = 1;        // a booted server: BUILD -> ACTIVE (or ERROR) (recorded: about 5 s)
    double server_error_rate = 0;    // share of boots that end in ERROR, with server_fault
    std::string server_fault = "No valid host was found. ";
};

struct Flavor {
    std::string id, name;
    std::int64_t vcpus = 1, ram = 256, disk = 0;
    Meta extra_specs{};
};

struct Quota {  // limits; -1 is unlimited, as in Cinder
    std::int64_t volumes = 10, gigabytes = 1000, snapshots = 10, backups = 10, backup_gigabytes = 1000, groups = 10,
                 per_volume_gigabytes = -1;
};

struct Usage {
    std::int64_t volumes = 0, gigabytes = 0, snapshots = 0, backups = 0, backup_gigabytes = 0;
};

struct Domain {
    std::string id, name;
};
struct Role {
    std::string id, name;
};
struct Project {
    std::string id, name, domain_id, description;
    Quota quota;
    Usage usage;
};
struct User {
    std::string id, name, domain_id, password, email, default_project_id;
};
struct Assignment {
    Handle user, project, role;
};
struct AppCredential {
    std::string id, name, secret;
    Handle user, project;
};

// A volume a boot attaches once the server is built.
struct BootDevice {
    Handle volume = 0;
    std::string device;
    bool delete_on_termination = false;
};

struct Server {
    std::string id, name;
    Handle project = 0, user = 0;
    Micros created = 0, updated = 0;
    Meta metadata;
    std::vector<Handle> volumes;              // attached, in attachment order
    std::vector<bool> delete_on_termination;  // per volumes entry
    std::string status = "ACTIVE";
    int instance_number = 0;
    Handle flavor = 0;  // in Cloud::flavors
    std::string availability_zone = "nova";
    std::optional<std::string> key_name;
    Micros due = 0;                   // BUILD ends; 0: not building
    std::vector<BootDevice> booting;  // attached when BUILD ends in ACTIVE
    std::string fault;                // ERROR's fault message
    bool alive = true;
};

struct Volume {
    std::string id, name;
    std::optional<std::string> description;
    Handle project = 0, user = 0;
    std::int64_t size = 1;
    std::string status = "available", previous_status;
    Micros created = 0, updated = 0;
    Meta metadata;
    std::optional<Handle> server;
    std::string attachment_id, device;
    bool bootable = false;
    Micros due = 0;                        // when creating, restoring-backup or deleting ends; 0: nothing pending
    std::optional<Handle> restoring_from;  // the backup being restored into it
    bool alive = true;
};

// A volume snapshot: creating -> available (backing-up while a backup reads it) -> deleting -> gone.
struct Snapshot {
    std::string id, volume_id, status = "available";
    Handle project = 0, user = 0;
    std::optional<std::string> name, description;
    std::int64_t size = 1;
    Micros created = 0, updated = 0;  // updated 0: never (Cinder says null)
    Micros due = 0;                   // when creating or deleting ends; 0: nothing pending
    Meta metadata;
};

// restoring: Cinder reads the backup into a volume (POST backups/{id}/restore, or the control endpoint).
enum class BackupStatus { creating, available, deleting, error, restoring };
const char* to_string(BackupStatus s);

struct Backup {
    std::string id, volume_id;
    Handle project = 0, user = 0;
    std::optional<std::string> name, description, fail_reason, snapshot_id, availability_zone;
    BackupStatus status = BackupStatus::creating;
    std::int64_t size = 1;
    int object_count = 0;
    Micros created = 0, updated = 0, data_timestamp = 0, due = 0;
    std::optional<Handle> parent;
    int dependents = 0;  // incrementals on it: what Cinder's delete looks for (by parent_id)
    // Cinder's num_dependent_backups, shown as has_dependent_backups: counted as incrementals are
    // made and deleted, but an import takes it from the record, which may be older than them.
    int num_dependent_backups = 0;
    std::string pending_parent;  // an imported incremental's parent id until that parent is imported
    bool importing = false;      // import_record accepted it; the backup service has not filled it yet
    bool purged = false;         // gone from Cinder's database (the control's DELETE), not soft-deleted
    bool incremental = false;
    bool alive = true;
    Meta metadata;
    Meta volume_metadata;  // the volume's metadata when backed up: a restore writes it onto its target
};

struct Token {
    Handle user = 0;
    std::optional<Handle> project;
    std::vector<Handle> roles;  // effective (implied roles expanded)
    std::vector<std::string> methods;
    Micros issued = 0, expires = 0;
    std::string audit_id;
    bool is_admin = false;
};

// Newest first, ties broken by id descending: Nova's and Cinder's default sort.
template <class Item>
struct NewestFirst {
    const std::deque<Item>* items;
    bool operator()(Handle a, Handle b) const {
        const Item& x = (*items)[a];
        const Item& y = (*items)[b];
        if (x.created != y.created) return x.created > y.created;
        return x.id > y.id;
    }
};
template <class Item>
using OrderedIndex = std::set<Handle, NewestFirst<Item>>;

class Cloud {
public:
    Cloud();
    Cloud(const Cloud&) = delete;
    Cloud& operator=(const Cloud&) = delete;

    // Guards all of the cloud: the server holds it for each request, the control API for each
    // call, a scenario's load for its whole run. Functions handed a Cloud say REQUIRES(cloud.mutex);
    // a lambda they run says so with cloud.mutex.assert_held().
    Mutex mutex;
    Settings settings GUARDED_BY(mutex);
    std::mt19937_64 random GUARDED_BY(mutex){42};

    std::vector<Domain> domains GUARDED_BY(mutex);
    std::vector<Role> roles GUARDED_BY(mutex);
    std::vector<Project> projects GUARDED_BY(mutex);
    std::vector<User> users GUARDED_BY(mutex);
    std::vector<Assignment> assignments GUARDED_BY(mutex);
    std::vector<AppCredential> app_credentials GUARDED_BY(mutex);
    std::deque<Server> servers GUARDED_BY(mutex);
    std::deque<Volume> volumes GUARDED_BY(mutex);
    std::deque<Backup> backups GUARDED_BY(mutex);
    std::vector<Snapshot> snapshots GUARDED_BY(mutex);
    std::vector<Flavor> flavors GUARDED_BY(mutex);  // sim.tiny first: every server the scenario makes has it
    std::unordered_map<std::string, Token> tokens GUARDED_BY(mutex);

    OrderedIndex<Server> all_servers GUARDED_BY(mutex);
    std::unordered_map<Handle, OrderedIndex<Server>> servers_by_project GUARDED_BY(mutex);
    OrderedIndex<Volume> all_volumes GUARDED_BY(mutex);
    std::unordered_map<Handle, OrderedIndex<Volume>> volumes_by_project GUARDED_BY(mutex);
    OrderedIndex<Backup> all_backups GUARDED_BY(mutex);
    std::unordered_map<Handle, OrderedIndex<Backup>> backups_by_project GUARDED_BY(mutex);
    std::unordered_map<std::string, OrderedIndex<Backup>> backups_by_volume GUARDED_BY(mutex);

    // Lookups by id (and by name where Keystone allows it). nullopt when absent.
    std::optional<Handle> project(const std::string& id_or_name) const REQUIRES(mutex);
    std::optional<Handle> user(const std::string& id_or_name) const REQUIRES(mutex);
    std::optional<Handle> role(const std::string& name) const REQUIRES(mutex);
    std::optional<Handle> server(const std::string& id) const REQUIRES(mutex);
    std::optional<Handle> volume(const std::string& id) const REQUIRES(mutex);
    std::optional<Handle> backup(const std::string& id) const REQUIRES(mutex);
    const Domain* domain(const std::string& id_or_name) const REQUIRES(mutex);

    Handle add_project(Project p) REQUIRES(mutex);
    Handle add_user(User u) REQUIRES(mutex);
    Handle add_role(const std::string& name) REQUIRES(mutex);  // returns the existing role of that name if any
    Handle add_server(Server s) REQUIRES(mutex);
    Handle add_volume(Volume v) REQUIRES(mutex);
    void attach(Handle volume, Handle server, const std::string& device) REQUIRES(mutex);
    // As Nova's detach leaves it: available, no attachment, gone from the server's volumes.
    void detach(Handle volume) REQUIRES(mutex);
    // A server booted (BUILD): ACTIVE with its volumes attached, or ERROR, at due.
    void schedule_server(Handle s, Micros due) REQUIRES(mutex);
    // Gone (404 from then on); its volumes detached, those with delete_on_termination deleted.
    void remove_server(Handle s, Micros now) REQUIRES(mutex);
    // Gone (404 from then on); frees its quota, as Cinder does once the driver has deleted it.
    void remove_volume(Handle v) REQUIRES(mutex);
    // Schedules the end of a volume's creating, restoring-backup or deleting.
    void schedule_volume(Handle v, Micros due) REQUIRES(mutex);
    Handle add_backup(Backup b) REQUIRES(mutex);
    // An imported backup joins its chain: its parent if present, and the incrementals imported
    // before it; no num_dependent_backups changes (Cinder's import does none).
    void link_imported(Handle h) REQUIRES(mutex);
    void remove_backup(Handle b) REQUIRES(mutex);
    // Snapshots live in a vector in creation order; counted in their project's usage.
    Snapshot& add_snapshot(Snapshot s) REQUIRES(mutex);
    Snapshot* snapshot(const std::string& id) REQUIRES(mutex);

    // Schedules a backup's next transition (creating->available/error, deleting->gone).
    void schedule(Handle b, Micros due) REQUIRES(mutex);
    // Sets a backup's status at once (admin reset, control API); a creating one frees its volume.
    void set_status(Handle b, BackupStatus status, Micros now) REQUIRES(mutex);
    // Applies every transition due at or before now.
    void advance(Micros now) REQUIRES(mutex);
    // Applies every pending transition immediately, whatever its due time.
    void settle(Micros now) REQUIRES(mutex);
    // The same for snapshots alone: a replay brings a snapshot to available before the backup
    // made from it, as the recording waited for it, while the backups before it keep running.
    void settle_snapshots(Micros now) REQUIRES(mutex);

    std::vector<Handle> roles_of(Handle user, Handle project) const REQUIRES(mutex);
    bool is_admin_role(const std::vector<Handle>& roles) const REQUIRES(mutex);

private:
    void finish(Handle b, Micros now) REQUIRES(mutex);
    void finish_volume(Handle v, Micros now) REQUIRES(mutex);
    void advance_backups(Micros now, bool all) REQUIRES(mutex);
    void advance_volumes(Micros now, bool all) REQUIRES(mutex);
    void advance_snapshots(Micros now, bool all) REQUIRES(mutex);
    void advance_servers(Micros now, bool all) REQUIRES(mutex);
    void release_source(const Backup& b, Micros now) REQUIRES(mutex);

    std::unordered_map<std::string, Handle> project_ids_ GUARDED_BY(mutex);
    std::unordered_map<std::string, Handle> user_ids_ GUARDED_BY(mutex);
    std::unordered_map<std::string, Handle> server_ids_ GUARDED_BY(mutex);
    std::unordered_map<std::string, Handle> volume_ids_ GUARDED_BY(mutex);
    std::unordered_map<std::string, Handle> backup_ids_ GUARDED_BY(mutex);
    // A backup or volume due to change state at `at`; stale when the object was deleted or
    // rescheduled since (its own due no longer equals at).
    struct Due {
        Micros at;
        Handle handle;
        bool operator>(const Due& o) const { return at > o.at; }
    };
    using DueQueue = std::priority_queue<Due, std::vector<Due>, std::greater<>>;
    DueQueue pending_ GUARDED_BY(mutex);              // backups
    DueQueue pending_volumes_ GUARDED_BY(mutex);      // volumes
    std::vector<Handle> building_ GUARDED_BY(mutex);  // servers in BUILD
};

}  // namespace staffeln::sim
