#include "simcloud/cloud.h"

#include "simcloud/ids.h"

#include <algorithm>

namespace staffeln::sim {
namespace {

template <class Map>
std::optional<Handle> lookup(const Map& map, const std::string& key) {
    auto it = map.find(key);
    if (it == map.end()) return std::nullopt;
    return it->second;
}

template <class Item>
OrderedIndex<Item>& index_for(std::unordered_map<Handle, OrderedIndex<Item>>& map, Handle key,
                              const std::deque<Item>& items) {
    return map.try_emplace(key, NewestFirst<Item>{&items}).first->second;
}

}  // namespace

const char* to_string(BackupStatus s) {
    switch (s) {
        case BackupStatus::creating:
            return "creating";
        case BackupStatus::available:
            return "available";
        case BackupStatus::deleting:
            return "deleting";
        case BackupStatus::error:
            return "error";
        case BackupStatus::restoring:
            return "restoring";
    }
    return "error";
}

Cloud::Cloud()
    : all_servers(NewestFirst<Server>{&servers}),
      all_volumes(NewestFirst<Volume>{&volumes}),
      all_backups(NewestFirst<Backup>{&backups}) {
    domains.push_back({"default", "Default"});
    for (const char* name : {"admin", "member", "reader"}) add_role(name);
    flavors.push_back({"b0a1c2d3-0000-4000-8000-000000000001", "sim.tiny", 1, 256, 0});
    flavors.push_back({"b0a1c2d3-0000-4000-8000-000000000002", "sim.small", 2, 2048, 20});
}

std::optional<Handle> Cloud::project(const std::string& id_or_name) const {
    if (auto h = lookup(project_ids_, id_or_name)) return h;
    for (Handle i = 0; i < projects.size(); ++i)
        if (projects[i].name == id_or_name) return i;
    return std::nullopt;
}

std::optional<Handle> Cloud::user(const std::string& id_or_name) const {
    if (auto h = lookup(user_ids_, id_or_name)) return h;
    for (Handle i = 0; i < users.size(); ++i)
        if (users[i].name == id_or_name) return i;
    return std::nullopt;
}

std::optional<Handle> Cloud::role(const std::string& name) const {
    for (Handle i = 0; i < roles.size(); ++i)
        if (roles[i].name == name || roles[i].id == name) return i;
    return std::nullopt;
}

std::optional<Handle> Cloud::server(const std::string& id) const { return lookup(server_ids_, id); }
std::optional<Handle> Cloud::volume(const std::string& id) const { return lookup(volume_ids_, id); }
std::optional<Handle> Cloud::backup(const std::string& id) const { return lookup(backup_ids_, id); }

const Domain* Cloud::domain(const std::string& id_or_name) const {
    for (const Domain& d : domains)
        if (d.id == id_or_name || d.name == id_or_name) return &d;
    return nullptr;
}

Handle Cloud::add_project(Project p) {
    if (p.id.empty()) p.id = new_hex_id();
    Handle h = static_cast<Handle>(projects.size());
    project_ids_[p.id] = h;
    projects.push_back(std::move(p));
    return h;
}

Handle Cloud::add_user(User u) {
    if (u.id.empty()) u.id = new_hex_id();
    Handle h = static_cast<Handle>(users.size());
    user_ids_[u.id] = h;
    users.push_back(std::move(u));
    return h;
}

Handle Cloud::add_role(const std::string& name) {
    if (auto h = role(name)) return *h;
    roles.push_back({new_hex_id(), name});
    return static_cast<Handle>(roles.size() - 1);
}

Handle Cloud::add_server(Server s) {
    if (s.id.empty()) s.id = new_uuid();
    Handle h = static_cast<Handle>(servers.size());
    s.instance_number = static_cast<int>(h) + 1;
    server_ids_[s.id] = h;
    Handle project_h = s.project;
    servers.push_back(std::move(s));
    all_servers.insert(h);
    index_for(servers_by_project, project_h, servers).insert(h);
    return h;
}

Handle Cloud::add_volume(Volume v) {
    if (v.id.empty()) v.id = new_uuid();
    Handle h = static_cast<Handle>(volumes.size());
    volume_ids_[v.id] = h;
    Project& p = projects[v.project];
    p.usage.volumes += 1;
    p.usage.gigabytes += v.size;
    Handle project_h = v.project;
    volumes.push_back(std::move(v));
    all_volumes.insert(h);
    index_for(volumes_by_project, project_h, volumes).insert(h);
    return h;
}

void Cloud::attach(Handle volume_h, Handle server_h, const std::string& device) {
    Volume& v = volumes[volume_h];
    v.server = server_h;
    v.status = "in-use";
    v.attachment_id = new_uuid();
    v.device = device;
    servers[server_h].volumes.push_back(volume_h);
}

void Cloud::detach(Handle volume_h) {
    Volume& v = volumes[volume_h];
    if (!v.server) return;
    Server& server = servers[*v.server];
    auto at = std::find(server.volumes.begin(), server.volumes.end(), volume_h);
    if (at != server.volumes.end()) {
        auto index = static_cast<std::size_t>(at - server.volumes.begin());
        if (index < server.delete_on_termination.size())  // kept parallel to volumes
            server.delete_on_termination.erase(server.delete_on_termination.begin() +
                                               static_cast<std::ptrdiff_t>(index));
        server.volumes.erase(at);
    }
    v.server.reset();
    v.status = "available";
    v.attachment_id.clear();
    v.device.clear();
}

void Cloud::schedule_server(Handle h, Micros due) {
    servers[h].due = due;
    building_.push_back(h);
}

void Cloud::remove_server(Handle h, Micros now) {
    Server& s = servers[h];
    if (!s.alive) return;
    for (std::size_t i = 0; i < s.volumes.size(); ++i) {
        Volume& v = volumes[s.volumes[i]];
        if (!v.alive) continue;
        v.server.reset();
        v.attachment_id.clear();
        v.device.clear();
        v.status = "available";
        v.updated = now;
        if (i < s.delete_on_termination.size() && s.delete_on_termination[i]) {
            v.status = "deleting";
            schedule_volume(s.volumes[i], now + static_cast<Micros>(settings.volume_delete_s * 1e6));
        }
    }
    for (const auto& d : s.booting) volumes[d.volume].status = "available";
    s.volumes.clear();
    s.booting.clear();
    all_servers.erase(h);
    servers_by_project[s.project].erase(h);
    server_ids_.erase(s.id);
    s.alive = false;
}

void Cloud::advance_servers(Micros now, bool all) {
    std::erase_if(building_, [&](Handle h) {
        mutex.assert_held();
        Server& s = servers[h];
        if (!s.alive || s.due == 0) return true;
        if (!all && s.due > now) return false;
        s.due = 0;
        s.updated = now;
        std::uniform_real_distribution<double> roll(0, 1);
        if (settings.server_error_rate > 0 && roll(random) < settings.server_error_rate) {
            // As recorded: the volumes stay reserved and listed as attached until the server is deleted.
            s.status = "ERROR";
            s.fault = settings.server_fault;
            s.availability_zone.clear();
            for (const auto& d : s.booting) {
                s.volumes.push_back(d.volume);
                s.delete_on_termination.push_back(d.delete_on_termination);
            }
        } else {
            s.status = "ACTIVE";
            for (const auto& d : s.booting) {
                attach(d.volume, h, d.device);
                s.delete_on_termination.push_back(d.delete_on_termination);
            }
        }
        s.booting.clear();
        return true;
    });
}

void Cloud::remove_volume(Handle h) {
    Volume& v = volumes[h];
    if (!v.alive) return;
    all_volumes.erase(h);
    volumes_by_project[v.project].erase(h);
    Project& p = projects[v.project];
    p.usage.volumes -= 1;
    p.usage.gigabytes -= v.size;
    volume_ids_.erase(v.id);
    v.alive = false;
}

void Cloud::schedule_volume(Handle v, Micros due) {
    volumes[v].due = due;
    pending_volumes_.push({due, v});
}

namespace {

// Pops what is due by now (everything when all), calling finish for each object still alive and
// still due at that time.
template <class Objects, class Queue, class Finish>
void drain_due(Queue& queue, Objects& objects, Micros now, bool all, Finish&& finish) {
    while (!queue.empty() && (all || queue.top().at <= now)) {
        auto next = queue.top();
        queue.pop();
        if (objects[next.handle].alive && objects[next.handle].due == next.at) finish(next.handle);
    }
}

}  // namespace

void Cloud::advance_volumes(Micros now, bool all) {
    drain_due(pending_volumes_, volumes, now, all, [&](Handle h) {
        mutex.assert_held();
        finish_volume(h, now);
    });
}

void Cloud::advance_backups(Micros now, bool all) {
    drain_due(pending_, backups, now, all, [&](Handle h) {
        mutex.assert_held();
        finish(h, now);
    });
}

// cinder/backup/manager.py restore_backup(): the target takes the metadata saved with the backup
// plus src_backup_id (what it had before is gone, as recorded); the backup is available again.
// A failed restore leaves the volume error_restoring and the backup available.
void Cloud::finish_volume(Handle h, Micros now) {
    Volume& v = volumes[h];
    v.due = 0;
    v.updated = now;
    if (v.status == "deleting") {
        remove_volume(h);
        return;
    }
    if (v.status == "creating") {
        v.status = "available";
        return;
    }
    if (v.status != "restoring-backup" || !v.restoring_from) return;
    Backup& b = backups[*v.restoring_from];
    v.restoring_from.reset();
    if (b.alive && b.status == BackupStatus::restoring) {
        b.status = BackupStatus::available;
        b.updated = now;
    }
    std::uniform_real_distribution<double> chance(0.0, 1.0);
    if (settings.restore_error_rate > 0 && chance(random) < settings.restore_error_rate) {
        v.status = "error_restoring";
        return;
    }
    v.status = "available";
    v.metadata = b.volume_metadata;
    v.metadata["src_backup_id"] = b.id;
}

Handle Cloud::add_backup(Backup b) {
    if (b.id.empty()) b.id = new_uuid();
    Handle h = static_cast<Handle>(backups.size());
    backup_ids_[b.id] = h;
    Project& p = projects[b.project];
    p.usage.backups += 1;
    p.usage.backup_gigabytes += b.size;
    if (b.parent) {
        backups[*b.parent].dependents += 1;
        backups[*b.parent].num_dependent_backups += 1;
    }
    Handle project_h = b.project;
    std::string volume_id = b.volume_id;
    backups.push_back(std::move(b));
    all_backups.insert(h);
    index_for(backups_by_project, project_h, backups).insert(h);
    backups_by_volume.try_emplace(volume_id, NewestFirst<Backup>{&backups}).first->second.insert(h);
    return h;
}

void Cloud::link_imported(Handle h) {
    Backup& b = backups[h];
    if (!b.pending_parent.empty()) {
        if (auto parent = backup(b.pending_parent)) {
            b.parent = parent;
            b.pending_parent.clear();
            backups[*parent].dependents += 1;
        }
    }
    auto same_volume = backups_by_volume.find(b.volume_id);
    if (same_volume == backups_by_volume.end()) return;
    for (Handle child : same_volume->second) {
        Backup& c = backups[child];
        if (c.pending_parent != b.id) continue;
        c.parent = h;
        c.pending_parent.clear();
        b.dependents += 1;
    }
}

void Cloud::remove_backup(Handle h) {
    Backup& b = backups[h];
    if (!b.alive) return;
    all_backups.erase(h);
    backups_by_project[b.project].erase(h);
    auto by_volume = backups_by_volume.find(b.volume_id);
    if (by_volume != backups_by_volume.end()) {
        by_volume->second.erase(h);
        if (by_volume->second.empty()) backups_by_volume.erase(by_volume);
    }
    Project& p = projects[b.project];
    p.usage.backups -= 1;
    p.usage.backup_gigabytes -= b.size;
    if (b.parent && backups[*b.parent].alive) {
        Backup& parent = backups[*b.parent];
        parent.dependents -= 1;
        // Cinder's delete: "if parent_backup.has_dependent_backups: num_dependent_backups -= 1".
        if (parent.num_dependent_backups > 0) parent.num_dependent_backups -= 1;
    }
    backup_ids_.erase(b.id);
    b.alive = false;
}

Snapshot& Cloud::add_snapshot(Snapshot s) {
    if (s.id.empty()) s.id = new_uuid();
    Project& p = projects[s.project];
    p.usage.snapshots += 1;
    p.usage.gigabytes += s.size;  // Cinder reserves a snapshot's size in gigabytes too
    snapshots.push_back(std::move(s));
    return snapshots.back();
}

Snapshot* Cloud::snapshot(const std::string& id) {
    auto it = std::find_if(snapshots.begin(), snapshots.end(), [&](const Snapshot& s) { return s.id == id; });
    return it == snapshots.end() ? nullptr : &*it;
}

// Snapshots are few (staffeln deletes its own within a cycle): a scan per request is enough.
void Cloud::advance_snapshots(Micros now, bool all) {
    for (Snapshot& s : snapshots) {
        if (s.due == 0 || (!all && s.due > now)) continue;
        s.due = 0;
        s.updated = now;
        if (s.status != "creating") continue;
        std::uniform_real_distribution<double> chance(0.0, 1.0);
        // A driver failure: Cinder sets the snapshot to error, and it stays until deleted.
        bool failed = settings.snapshot_error_rate > 0 && chance(random) < settings.snapshot_error_rate;
        s.status = failed ? "error" : "available";
    }
    std::erase_if(snapshots, [&](const Snapshot& s) {
        mutex.assert_held();
        if (s.status != "deleting" || s.due != 0) return false;
        Project& p = projects[s.project];
        p.usage.snapshots -= 1;
        p.usage.gigabytes -= s.size;
        return true;
    });
}

void Cloud::schedule(Handle b, Micros due) {
    backups[b].due = due;
    pending_.push({due, b});
}

void Cloud::advance(Micros now) {
    advance_servers(now, false);
    advance_snapshots(now, false);
    advance_volumes(now, false);
    advance_backups(now, false);
}

void Cloud::settle(Micros now) {
    advance_servers(now, true);
    advance_snapshots(now, true);
    advance_volumes(now, true);
    advance_backups(now, true);
}

void Cloud::settle_snapshots(Micros now) { advance_snapshots(now, true); }

void Cloud::finish(Handle h, Micros now) {
    Backup& b = backups[h];
    b.due = 0;
    if (b.status == BackupStatus::deleting) {
        remove_backup(h);
        return;
    }
    if (b.status != BackupStatus::creating) return;
    if (b.importing) {  // the backup service read the record: the row holds its fields
        b.importing = false;
        b.status = BackupStatus::available;
        b.updated = now;
        return;
    }
    release_source(b, now);
    b.updated = now;
    std::uniform_real_distribution<double> chance(0.0, 1.0);
    if (settings.backup_error_rate > 0 && chance(random) < settings.backup_error_rate) {
        b.status = BackupStatus::error;
        b.fail_reason = settings.backup_fail_reason;
        return;
    }
    b.status = BackupStatus::available;
    b.object_count = b.incremental ? 0 : 1;
}

void Cloud::release_source(const Backup& b, Micros now) {
    for (Snapshot& s : snapshots)
        if (b.snapshot_id && s.id == *b.snapshot_id && s.status == "backing-up") s.status = "available";
    if (auto v = volume(b.volume_id); v && !b.snapshot_id && volumes[*v].status == "backing-up") {
        volumes[*v].status = volumes[*v].previous_status.empty() ? "available" : volumes[*v].previous_status;
        volumes[*v].updated = now;
    }
}

void Cloud::set_status(Handle h, BackupStatus status, Micros now) {
    Backup& b = backups[h];
    if (b.status == BackupStatus::creating && !b.importing) release_source(b, now);
    b.importing = false;
    b.status = status;
    b.due = 0;
    b.updated = now;
}

std::vector<Handle> Cloud::roles_of(Handle user_h, Handle project_h) const {
    std::vector<Handle> out;
    auto add = [&](const std::string& name) {
        mutex.assert_held();
        if (auto r = role(name); r && std::find(out.begin(), out.end(), *r) == out.end()) out.push_back(*r);
    };
    for (const Assignment& a : assignments) {
        if (a.user != user_h || a.project != project_h) continue;
        add(roles[a.role].name);
        // Keystone's default implied roles: admin implies member, member implies reader.
        if (roles[a.role].name == "admin") add("member");
        if (roles[a.role].name == "admin" || roles[a.role].name == "member") add("reader");
    }
    return out;
}

bool Cloud::is_admin_role(const std::vector<Handle>& held) const {
    return std::any_of(held.begin(), held.end(), [&](Handle r) {
        mutex.assert_held();
        return roles[r].name == "admin";
    });
}

}  // namespace staffeln::sim
