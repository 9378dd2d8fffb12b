#include "simcloud/scenario.h"

#include "simcloud/ids.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace staffeln::sim {
namespace {

using nlohmann::json;

struct Bad : std::runtime_error {
    using std::runtime_error::runtime_error;
};

constexpr Micros kSecond = 1000000;

class Loader {
public:
    Loader(Cloud& cloud, Micros now) : cloud_(cloud), now_(now) {}

    void load(const json& s) EXCLUDES(cloud_.mutex) {
        MutexLock lock(cloud_.mutex);
        load_locked(s);
    }

private:
    void load_locked(const json& s) REQUIRES(cloud_.mutex) {
        if (!s.is_object()) throw Bad("the scenario is not a JSON object");
        check_keys(s, "scenario",
                   {"settings", "default_quota", "domains", "projects", "users", "application_credentials", "flavors",
                    "servers", "volumes", "snapshots", "backups", "generate"});
        if (s.contains("settings")) settings(s["settings"]);
        if (s.contains("default_quota")) default_quota_ = quota(s["default_quota"], Quota{}, "default_quota");
        for (const json& d : list(s, "domains"))
            cloud_.domains.push_back({d.at("id").get<std::string>(), d.at("name").get<std::string>()});
        for (const auto& e : entries(s, "projects")) project(e.value, e.where);
        for (const auto& e : entries(s, "users")) user(e.value, e.where);
        for (const auto& e : entries(s, "application_credentials")) app_credential(e.value, e.where);
        for (const auto& e : entries(s, "flavors")) flavor(e.value, e.where);
        size_t servers = list(s, "servers").size(), volumes = list(s, "volumes").size();
        for (const auto& e : entries(s, "servers")) server(e.value, e.where, servers--);
        for (const auto& e : entries(s, "volumes")) volume(e.value, e.where, volumes--, std::nullopt);
        for (const auto& e : entries(s, "snapshots")) snapshot(e.value, e.where);
        size_t backups = list(s, "backups").size();
        for (const auto& e : entries(s, "backups")) backup(e.value, e.where, backups--);
        if (s.contains("generate")) generate(s["generate"]);
    }

    static const json& list(const json& s, const char* key) {
        static const json kEmpty = json::array();
        if (!s.contains(key)) return kEmpty;
        if (!s[key].is_array()) throw Bad(fmt::format("{}: must be a list", key));
        return s[key];
    }

    struct Entry {
        const json& value;
        std::string where;  // for error messages: "servers[2]"
    };
    static std::vector<Entry> entries(const json& s, const char* key) {
        const json& items = list(s, key);
        std::vector<Entry> out;
        for (size_t i = 0; i < items.size(); ++i) out.push_back({items[i], fmt::format("{}[{}]", key, i)});
        return out;
    }

    static void check_keys(const json& o, const std::string& where, std::initializer_list<const char*> allowed) {
        if (!o.is_object()) throw Bad(fmt::format("{}: must be an object", where));
        for (const auto& item : o.items()) {
            const std::string& k = item.key();  // not a structured binding: clang 14 cannot capture one
            if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; }) == allowed.end())
                throw Bad(fmt::format("{}: unknown key '{}'", where, k));
        }
    }

    void settings(const json& s) REQUIRES(cloud_.mutex) {
        check_keys(s, "settings",
                   {"region", "token_lifetime_seconds", "backup_create_seconds", "backup_delete_seconds",
                    "backup_import_seconds", "backup_error_rate", "backup_fail_reason", "snapshot_create_seconds",
                    "snapshot_delete_seconds", "snapshot_error_rate", "volume_create_seconds", "volume_delete_seconds",
                    "restore_seconds_per_gib", "restore_error_rate", "server_boot_seconds", "server_error_rate",
                    "server_fault", "seed"});
        Settings& out = cloud_.settings;
        out.region = s.value("region", out.region);
        out.token_lifetime_s = s.value("token_lifetime_seconds", out.token_lifetime_s);
        out.backup_create_s = s.value("backup_create_seconds", out.backup_create_s);
        out.backup_delete_s = s.value("backup_delete_seconds", out.backup_delete_s);
        out.backup_import_s = s.value("backup_import_seconds", out.backup_import_s);
        out.backup_error_rate = s.value("backup_error_rate", out.backup_error_rate);
        out.backup_fail_reason = s.value("backup_fail_reason", out.backup_fail_reason);
        out.snapshot_create_s = s.value("snapshot_create_seconds", out.snapshot_create_s);
        out.snapshot_error_rate = s.value("snapshot_error_rate", out.snapshot_error_rate);
        out.snapshot_delete_s = s.value("snapshot_delete_seconds", out.snapshot_delete_s);
        out.volume_create_s = s.value("volume_create_seconds", out.volume_create_s);
        out.volume_delete_s = s.value("volume_delete_seconds", out.volume_delete_s);
        out.restore_s_per_gib = s.value("restore_seconds_per_gib", out.restore_s_per_gib);
        out.restore_error_rate = s.value("restore_error_rate", out.restore_error_rate);
        out.server_boot_s = s.value("server_boot_seconds", out.server_boot_s);
        out.server_error_rate = s.value("server_error_rate", out.server_error_rate);
        out.server_fault = s.value("server_fault", out.server_fault);
        if (s.contains("seed")) cloud_.random.seed(s["seed"].get<std::uint64_t>());
    }

    static Quota quota(const json& q, Quota base, const std::string& where) {
        check_keys(
            q, where,
            {"volumes", "gigabytes", "snapshots", "backups", "backup_gigabytes", "groups", "per_volume_gigabytes"});
        base.volumes = q.value("volumes", base.volumes);
        base.gigabytes = q.value("gigabytes", base.gigabytes);
        base.snapshots = q.value("snapshots", base.snapshots);
        base.backups = q.value("backups", base.backups);
        base.backup_gigabytes = q.value("backup_gigabytes", base.backup_gigabytes);
        base.groups = q.value("groups", base.groups);
        base.per_volume_gigabytes = q.value("per_volume_gigabytes", base.per_volume_gigabytes);
        return base;
    }

    std::string domain_id(const json& o, const std::string& where) REQUIRES(cloud_.mutex) {
        std::string d = o.value("domain", "default");
        const Domain* dom = cloud_.domain(d);
        if (!dom) throw Bad(fmt::format("{}.domain: no domain '{}'", where, d));
        return dom->id;
    }

    Handle project_ref(const json& o, const char* key, const std::string& where) REQUIRES(cloud_.mutex) {
        if (!o.contains(key)) throw Bad(fmt::format("{}: '{}' is required", where, key));
        std::string ref = o[key].get<std::string>();
        auto h = cloud_.project(ref);
        if (!h) throw Bad(fmt::format("{}.{}: no project '{}'", where, key, ref));
        return *h;
    }

    Handle user_ref(const json& o, const char* key, const std::string& where, Handle fallback_project)
        REQUIRES(cloud_.mutex) {
        if (!o.contains(key)) {
            for (const Assignment& a : cloud_.assignments)
                if (a.project == fallback_project) return a.user;
            if (cloud_.users.empty()) throw Bad(fmt::format("{}: no user to own it; add '{}'", where, key));
            return 0;
        }
        std::string ref = o[key].get<std::string>();
        auto h = cloud_.user(ref);
        if (!h) throw Bad(fmt::format("{}.{}: no user '{}'", where, key, ref));
        return *h;
    }

    Micros created(const json& o, const std::string& where, size_t age_rank) REQUIRES(cloud_.mutex) {
        if (!o.contains("created_at")) return now_ - static_cast<Micros>(age_rank) * kSecond - 3600 * kSecond;
        auto t = parse_time(o["created_at"].get<std::string>());
        if (!t) throw Bad(fmt::format("{}.created_at: not a time like 2026-11-22T03:38:12Z", where));
        return *t;
    }

    static Meta meta(const json& o, const std::string& where) {
        Meta out;
        if (!o.contains("metadata")) return out;
        if (!o["metadata"].is_object()) throw Bad(fmt::format("{}.metadata: must be an object of strings", where));
        for (const auto& [k, v] : o["metadata"].items()) {
            if (!v.is_string()) throw Bad(fmt::format("{}.metadata.{}: must be a string", where, k));
            out[k] = v.get<std::string>();
        }
        return out;
    }

    void project(const json& p, const std::string& where) REQUIRES(cloud_.mutex) {
        check_keys(p, where, {"id", "name", "domain", "description", "quota"});
        Project out;
        out.id = p.value("id", "");
        out.name = p.at("name").get<std::string>();
        out.domain_id = domain_id(p, where);
        out.description = p.value("description", "");
        out.quota = p.contains("quota") ? quota(p["quota"], default_quota_, where + ".quota") : default_quota_;
        cloud_.add_project(std::move(out));
    }

    void user(const json& u, const std::string& where) REQUIRES(cloud_.mutex) {
        check_keys(u, where, {"id", "name", "domain", "password", "email", "default_project", "roles"});
        User out;
        out.id = u.value("id", "");
        out.name = u.at("name").get<std::string>();
        out.domain_id = domain_id(u, where);
        out.password = u.value("password", "");
        out.email = u.value("email", "");
        if (u.contains("default_project"))
            out.default_project_id = cloud_.projects[project_ref(u, "default_project", where)].id;
        Handle h = cloud_.add_user(std::move(out));
        if (!u.contains("roles")) return;
        if (!u["roles"].is_object()) throw Bad(where + ".roles: must map project names to lists of role names");
        for (const auto& [project_name, role_names] : u["roles"].items()) {
            if (project_name == "*") {
                for (Handle p = 0; p < cloud_.projects.size(); ++p)
                    for (const auto& r : role_names) grant(h, p, r.get<std::string>());
                continue;
            }
            auto p = cloud_.project(project_name);
            if (!p) throw Bad(fmt::format("{}.roles: no project '{}'", where, project_name));
            for (const auto& r : role_names) grant(h, *p, r.get<std::string>());
        }
    }

    void grant(Handle user_h, Handle project_h, const std::string& role_name) REQUIRES(cloud_.mutex) {
        cloud_.assignments.push_back({user_h, project_h, cloud_.add_role(role_name)});
    }

    void app_credential(const json& a, const std::string& where) REQUIRES(cloud_.mutex) {
        check_keys(a, where, {"id", "name", "secret", "user", "project"});
        AppCredential out;
        out.id = a.value("id", new_hex_id());
        out.name = a.at("name").get<std::string>();
        out.secret = a.at("secret").get<std::string>();
        out.project = project_ref(a, "project", where);
        out.user = user_ref(a, "user", where, out.project);
        cloud_.app_credentials.push_back(std::move(out));
    }

    // Added after sim.tiny and sim.small (servers of the scenario have sim.tiny).
    void flavor(const json& f, const std::string& where) REQUIRES(cloud_.mutex) {
        check_keys(f, where, {"id", "name", "vcpus", "ram", "disk", "extra_specs"});
        if (!f.contains("id") || !f.contains("name")) throw Bad(fmt::format("{}: needs id and name", where));
        Meta specs;
        if (f.contains("extra_specs"))
            for (const auto& [k, v] : f["extra_specs"].items()) specs[k] = v.get<std::string>();
        cloud_.flavors.push_back({f["id"].get<std::string>(), f["name"].get<std::string>(), f.value("vcpus", 1),
                                  f.value("ram", 256), f.value("disk", 0), std::move(specs)});
    }

    void server(const json& s, const std::string& where, size_t age_rank) REQUIRES(cloud_.mutex) {
        check_keys(s, where, {"id", "name", "project", "user", "metadata", "created_at", "status", "volumes"});
        Server out;
        out.id = s.value("id", "");
        out.name = s.value("name", "");
        out.project = project_ref(s, "project", where);
        out.user = user_ref(s, "user", where, out.project);
        out.metadata = meta(s, where);
        out.created = out.updated = created(s, where, age_rank);
        out.status = s.value("status", "ACTIVE");
        Handle h = cloud_.add_server(std::move(out));
        if (!s.contains("volumes")) return;
        const json& vols = s["volumes"];
        for (size_t i = 0; i < vols.size(); ++i) {
            json v = vols[i];
            if (!v.contains("project")) v["project"] = cloud_.projects[cloud_.servers[h].project].id;
            volume(v, fmt::format("{}.volumes[{}]", where, i), age_rank + 1, std::make_pair(h, i));
        }
    }

    void volume(const json& v, const std::string& where, size_t age_rank, std::optional<std::pair<Handle, size_t>> on)
        REQUIRES(cloud_.mutex) {
        check_keys(
            v, where,
            {"id", "name", "description", "project", "user", "size", "status", "metadata", "created_at", "bootable"});
        Volume out;
        out.id = v.value("id", "");
        out.name = v.value("name", "");
        if (v.contains("description")) out.description = v["description"].get<std::string>();
        out.project = project_ref(v, "project", where);
        out.user = user_ref(v, "user", where, out.project);
        out.size = v.value("size", 1);
        out.status = v.value("status", "available");
        out.metadata = meta(v, where);
        out.created = out.updated = created(v, where, age_rank);
        out.bootable = v.value("bootable", on && on->second == 0);
        Handle h = cloud_.add_volume(std::move(out));
        if (!cloud_.volumes[h].name.empty()) volume_names_[cloud_.volumes[h].name] = h;
        if (on)
            cloud_.attach(h, on->first,
                          on->second == 0 ? "/dev/vda" : fmt::format("/dev/vd{}", char('a' + on->second)));
    }

    Handle volume_ref(const json& o, const std::string& where) REQUIRES(cloud_.mutex) {
        std::string ref = o.at("volume").get<std::string>();
        if (auto h = cloud_.volume(ref)) return *h;
        auto it = volume_names_.find(ref);
        if (it == volume_names_.end()) throw Bad(fmt::format("{}.volume: no volume '{}'", where, ref));
        return it->second;
    }

    void snapshot(const json& s, const std::string& where) REQUIRES(cloud_.mutex) {
        check_keys(s, where, {"id", "volume", "status", "created_at"});
        Snapshot out;
        out.id = s.value("id", new_uuid());
        const Volume& volume = cloud_.volumes[volume_ref(s, where)];
        out.volume_id = volume.id;
        out.project = volume.project;
        out.user = volume.user;
        out.size = volume.size;
        out.status = s.value("status", "available");
        out.created = created(s, where, 1);
        cloud_.add_snapshot(std::move(out));
    }

    void backup(const json& b, const std::string& where, size_t age_rank) REQUIRES(cloud_.mutex) {
        check_keys(b, where,
                   {"id", "volume", "project", "user", "name", "description", "status", "incremental", "created_at",
                    "metadata", "fail_reason"});
        const Volume& v = cloud_.volumes[volume_ref(b, where)];
        Backup out;
        out.id = b.value("id", "");
        out.volume_id = v.id;
        out.volume_metadata = v.metadata;
        out.project = b.contains("project") ? project_ref(b, "project", where) : v.project;
        out.user = user_ref(b, "user", where, out.project);
        if (b.contains("name")) out.name = b["name"].get<std::string>();
        if (b.contains("description")) out.description = b["description"].get<std::string>();
        std::string status = b.value("status", "available");
        if (status == "available")
            out.status = BackupStatus::available;
        else if (status == "error")
            out.status = BackupStatus::error;
        else
            throw Bad(fmt::format("{}.status: '{}' is not available or error", where, status));
        if (b.contains("fail_reason")) out.fail_reason = b["fail_reason"].get<std::string>();
        out.size = v.size;
        out.created = out.updated = out.data_timestamp = created(b, where, age_rank);
        out.metadata = meta(b, where);
        out.incremental = b.value("incremental", false);
        out.object_count = out.incremental ? 0 : 1;
        if (out.incremental) out.parent = newest_available(out.volume_id, out.project, out.data_timestamp);
        if (out.incremental && !out.parent)
            throw Bad(fmt::format("{}: incremental but no earlier available backup of its volume", where));
        cloud_.add_backup(std::move(out));
    }

    std::optional<Handle> newest_available(const std::string& volume_id, Handle project, Micros before)
        REQUIRES(cloud_.mutex) {
        auto it = cloud_.backups_by_volume.find(volume_id);
        if (it == cloud_.backups_by_volume.end()) return std::nullopt;
        for (Handle h : it->second) {
            const Backup& b = cloud_.backups[h];
            if (b.project == project && b.status == BackupStatus::available && b.data_timestamp < before) return h;
        }
        return std::nullopt;
    }

    void generate(const json& g) REQUIRES(cloud_.mutex) {
        check_keys(g, "generate",
                   {"projects", "servers_per_project", "untagged_servers_per_project", "volumes_per_server",
                    "backups_per_volume", "full_every", "backup_interval_hours", "volume_size"});
        int projects = g.value("projects", 0), tagged = g.value("servers_per_project", 0);
        int untagged = g.value("untagged_servers_per_project", 0), per_server = g.value("volumes_per_server", 1);
        int per_volume = g.value("backups_per_volume", 0), full_every = std::max(1, g.value("full_every", 7));
        Micros interval = static_cast<Micros>(g.value("backup_interval_hours", 24.0) * 3600 * kSecond);
        std::int64_t size = g.value("volume_size", 1);
        Handle admin = ensure_admin();
        Quota unlimited{-1, -1, -1, -1, -1, -1, -1};
        Micros start = now_ - static_cast<Micros>(per_volume + 1) * interval;
        Micros tick = 0;
        for (int p = 0; p < projects; ++p) {
            Handle ph =
                cloud_.add_project({"", fmt::format("gen-project-{:04d}", p), "default", "generated", unlimited, {}});
            Handle uh = cloud_.add_user({"", fmt::format("gen-user-{:04d}", p), "default", "password",
                                         fmt::format("gen-user-{:04d}@example.org", p), cloud_.projects[ph].id});
            grant(uh, ph, "member");
            grant(admin, ph, "admin");
            for (int s = 0; s < tagged + untagged; ++s) {
                Server server;
                server.name = fmt::format("gen-{:04d}-vm-{:05d}", p, s);
                server.project = ph;
                server.user = uh;
                if (s < tagged) server.metadata["__staffeln_backup"] = "true";
                server.created = server.updated = start - 3600 * kSecond + ++tick;
                Handle sh = cloud_.add_server(std::move(server));
                for (int v = 0; v < per_server; ++v) {
                    Volume vol;
                    vol.name = fmt::format("gen-{:04d}-vol-{:05d}-{}", p, s, v);
                    vol.project = ph;
                    vol.user = uh;
                    vol.size = size;
                    vol.bootable = v == 0;
                    vol.created = vol.updated = start - 3600 * kSecond + ++tick;
                    Handle vh = cloud_.add_volume(std::move(vol));
                    cloud_.attach(vh, sh, v == 0 ? "/dev/vda" : fmt::format("/dev/vd{}", char('a' + v)));
                    generate_backups(vh, per_volume, full_every, start, interval, tick);
                }
            }
        }
    }

    void generate_backups(Handle vh, int count, int full_every, Micros start, Micros interval, Micros& tick)
        REQUIRES(cloud_.mutex) {
        std::optional<Handle> parent;
        const Volume& v = cloud_.volumes[vh];
        for (int i = 0; i < count; ++i) {
            Backup b;
            b.volume_id = v.id;
            b.project = v.project;
            b.user = v.user;
            b.name = fmt::format("gen-backup-{}", i);
            b.status = BackupStatus::available;
            b.size = v.size;
            b.incremental = i % full_every != 0;
            b.object_count = b.incremental ? 0 : 1;
            b.parent = b.incremental ? parent : std::nullopt;
            b.created = b.updated = b.data_timestamp = start + i * interval + ++tick;
            parent = cloud_.add_backup(std::move(b));
        }
    }

    Handle ensure_admin() REQUIRES(cloud_.mutex) {
        auto admin = cloud_.user("admin");
        if (admin) return *admin;
        Handle ap = cloud_.project("admin").value_or(kNone);
        if (ap == kNone) ap = cloud_.add_project({"", "admin", "default", "Bootstrap project", default_quota_, {}});
        Handle uh = cloud_.add_user({"", "admin", "default", "admin", "admin@example.org", cloud_.projects[ap].id});
        grant(uh, ap, "admin");
        return uh;
    }

    static constexpr Handle kNone = ~Handle{0};
    Cloud& cloud_;
    Micros now_;
    Quota default_quota_;
    std::unordered_map<std::string, Handle> volume_names_;
};

}  // namespace

Status load_scenario(Cloud& cloud, const json& scenario, const std::string& origin, Micros now) {
    try {
        Loader(cloud, now).load(scenario);
        return {};
    } catch (const Bad& e) {
        return make_error(ErrorKind::invalid_input, fmt::format("scenario {}: {}", origin, e.what()));
    } catch (const json::exception& e) {
        return make_error(ErrorKind::invalid_input, fmt::format("scenario {}: {}", origin, e.what()));
    }
}

Status load_scenario_file(Cloud& cloud, const std::string& path, Micros now) {
    std::ifstream in(path);
    if (!in) return make_error(ErrorKind::io, fmt::format("scenario {}: cannot open it", path));
    std::stringstream text;
    text << in.rdbuf();
    json scenario = json::parse(text.str(), nullptr, false);
    if (scenario.is_discarded())
        return make_error(ErrorKind::invalid_input, fmt::format("scenario {}: not valid JSON", path));
    return load_scenario(cloud, scenario, path, now);
}

}  // namespace staffeln::sim
