#include "simcloud/cinder.h"

#include "simcloud/base64.h"
#include "simcloud/ids.h"
#include "simcloud/json_out.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>

namespace staffeln::sim {
namespace {

constexpr Version kMin{3, 0};
constexpr Version kMax{3, 70};
constexpr const char* kDefaultVolumeTypeId = "2c320a4e-2fb6-40a0-a1ee-a85beabca850";
constexpr const char* kBackupService = "cinder.backup.drivers.posix.PosixBackupDriver";

struct Ctx {
    Cloud& cloud;
    const Call& call;
    const Caller& caller;
    Version version;
    std::string url_project;  // the {project_id} of the URL, used in links as Cinder does
    bool at(int minor) const { return version >= Version{3, minor}; }
    bool sees(Handle project) const { return caller.is_admin || caller.project == project; }
};

json version_document(const std::string& base) {
    return {
        {"id", "v3.0"},
        {"status", "CURRENT"},
        {"version", to_string(kMax)},
        {"min_version", to_string(kMin)},
        {"updated", "2022-08-31T00:00:00Z"},
        {"links", json::array({{{"rel", "describedby"}, {"type", "text/html"}, {"href", "https://docs.openstack.org/"}},
                               {{"rel", "self"}, {"href", base + "/volume/v3/"}}})},
        {"media-types",
         json::array({{{"base", "application/json"}, {"type", "application/vnd.openstack.volume+json;version=3"}}})}};
}

void write_links(JsonOut& w, const Ctx& c, std::string_view collection, const std::string& id) REQUIRES(c.cloud.mutex) {
    const std::string& base = c.call.base_url;
    w.begin_array();
    w.begin_object()
        .key("rel")
        .str("self")
        .key("href")
        .str_parts({base, "/volume/v3/", c.url_project, "/", collection, "/", id})
        .end_object();
    w.begin_object()
        .key("rel")
        .str("bookmark")
        .key("href")
        .str_parts({base, "/volume/", c.url_project, "/", collection, "/", id})
        .end_object();
    w.end_array();
}

json optional_string(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }
std::optional<std::string> optional_string_of(const json& v) {
    return v.is_string() ? std::optional<std::string>(v.get<std::string>()) : std::nullopt;
}

// ---- volumes -------------------------------------------------------------------------

// fresh: the create's answer, rendered before Cinder's database round trip and before the
// scheduler placed the volume (as recorded: created_at in microseconds, updated_at and
// service_uuid null, shared_targets true, no tenant attribute).
void write_volume(JsonOut& w, const Ctx& c, const Volume& v, bool fresh = false) REQUIRES(c.cloud.mutex) {
    w.begin_object();
    w.key("id").str(v.id).key("status").str(v.status).key("size").num(v.size);
    w.key("availability_zone")
        .str("nova")
        .key("created_at")
        .str(fresh ? cinder_time_micros(v.created) : cinder_time(v.created));
    w.key("updated_at");
    if (v.updated && !fresh)
        w.str(cinder_time(v.updated));
    else
        w.null();
    w.key("name").str(v.name).key("description").opt(v.description);
    w.key("volume_type").str("__DEFAULT__").key("snapshot_id").null().key("source_volid").null();
    w.key("metadata").object(v.metadata).key("links");
    write_links(w, c, "volumes", v.id);
    w.key("user_id").str(c.cloud.users[v.user].id).key("bootable").str(v.bootable ? "true" : "false");
    w.key("encrypted").boolean(false).key("replication_status").null().key("consistencygroup_id").null();
    w.key("multiattach").boolean(false).key("attachments").begin_array();
    if (v.server)
        w.begin_object()
            .key("id")
            .str(v.id)
            .key("attachment_id")
            .str(v.attachment_id)
            .key("volume_id")
            .str(v.id)
            .key("server_id")
            .str(c.cloud.servers[*v.server].id)
            .key("host_name")
            .null()
            .key("device")
            .str(v.device)
            .key("attached_at")
            .str(cinder_time(v.created))
            .end_object();
    w.end_array();
    if (!fresh) w.key("os-vol-tenant-attr:tenant_id").str(c.cloud.projects[v.project].id);
    if (c.at(13)) w.key("group_id").null();
    if (c.at(48) && fresh) w.key("shared_targets").boolean(true).key("service_uuid").null();
    // Not placed by the scheduler yet while creating: no service, no host (restore-calls.md).
    const bool placed = v.status != "creating";
    if (c.at(48) && !fresh) {
        w.key("shared_targets").boolean(false).key("service_uuid");
        if (placed)
            w.str("21e590ab-fb1f-4311-b610-ac927e3fb804");
        else
            w.null();
    }
    if (c.at(63)) w.key("volume_type_id").str(kDefaultVolumeTypeId);
    // An admin sees migration_status, and the host and migration attributes once the volume is
    // in the database (not in the create's answer), as recorded in restore-calls.md.
    if (c.caller.is_admin) {
        w.key("migration_status").null();
        if (!fresh) {
            w.key("os-vol-host-attr:host");
            if (placed)
                w.str("simcloud@sim#sim");
            else
                w.null();
            w.key("os-vol-mig-status-attr:migstat").null().key("os-vol-mig-status-attr:name_id").null();
        }
        if (c.at(21)) w.key("provider_id").null();
        if (c.at(61)) w.key("cluster_name").null();
    }
    w.end_object();
}

// ---- backups -------------------------------------------------------------------------

std::string container_of(const std::string& id) { return id.substr(0, 2) + "/" + id.substr(2, 2) + "/" + id; }

// An imported backup before the backup service filled it in (tests/e2e/recorded/dr-import.md): the
// row import_record makes, with the placeholder volume id of cinder/backup/api.py and no fields of
// the record yet.
void write_importing_backup(JsonOut& w, const Ctx& c, const Backup& b) REQUIRES(c.cloud.mutex) {
    w.begin_object();
    w.key("id").str(b.id).key("status").str("creating").key("size").num(0).key("object_count").num(0);
    w.key("availability_zone").null().key("container").null();
    w.key("created_at").str(cinder_time(b.updated)).key("updated_at").null();
    w.key("name").null().key("description").null().key("fail_reason").null();
    w.key("volume_id").str("00000000-0000-0000-0000-000000000000").key("links");
    write_links(w, c, "backups", b.id);
    w.key("is_incremental").boolean(false).key("has_dependent_backups").boolean(false);
    w.key("snapshot_id").null().key("data_timestamp").null();
    if (c.at(43)) w.key("metadata").begin_object().end_object();
    if (c.caller.is_admin && c.at(18)) w.key("os-backup-project-attr:project_id").str(c.cloud.projects[b.project].id);
    if (c.caller.is_admin && c.at(56)) w.key("user_id").str(c.cloud.users[b.user].id);
    w.end_object();
}

void write_backup(JsonOut& w, const Ctx& c, const Backup& b) REQUIRES(c.cloud.mutex) {
    if (b.importing) return write_importing_backup(w, c, b);
    w.begin_object();
    w.key("id").str(b.id).key("status").str(to_string(b.status)).key("size").num(b.size);
    w.key("object_count").num(b.object_count).key("availability_zone").opt(b.availability_zone);
    w.key("container");
    if (b.status == BackupStatus::creating)
        w.null();
    else
        w.str_parts({std::string_view(b.id).substr(0, 2), "/", std::string_view(b.id).substr(2, 2), "/", b.id});
    w.key("created_at").str(cinder_time(b.created)).key("updated_at").str(cinder_time(b.updated));
    w.key("name").opt(b.name).key("description").opt(b.description).key("fail_reason").opt(b.fail_reason);
    w.key("volume_id").str(b.volume_id).key("links");
    write_links(w, c, "backups", b.id);
    w.key("is_incremental").boolean(b.incremental).key("has_dependent_backups").boolean(b.num_dependent_backups > 0);
    w.key("snapshot_id").opt(b.snapshot_id).key("data_timestamp").str(cinder_time(b.data_timestamp));
    if (c.at(43)) w.key("metadata").object(b.metadata);
    if (c.caller.is_admin && c.at(18)) w.key("os-backup-project-attr:project_id").str(c.cloud.projects[b.project].id);
    if (c.caller.is_admin && c.at(56)) w.key("user_id").str(c.cloud.users[b.user].id);
    w.end_object();
}

void write_summary(JsonOut& w, const Ctx& c, std::string_view collection, const std::string& id,
                   const std::optional<std::string>& name) REQUIRES(c.cloud.mutex) {
    w.begin_object().key("id").str(id).key("name").opt(name).key("links");
    write_links(w, c, collection, id);
    w.end_object();
}

template <class Write>
Reply single(int status, const char* envelope, Write write) {
    JsonOut w;
    w.begin_object().key(envelope);
    write(w);
    w.end_object();
    return text_reply(status, std::move(w.text()));
}

Reply trimmed(const Ctx& c, int status, const Backup& b) REQUIRES(c.cloud.mutex) {
    return single(status, "backup", [&](JsonOut& w) {
        c.cloud.mutex.assert_held();
        write_summary(w, c, "backups", b.id, b.name);
    });
}

// ---- listing -------------------------------------------------------------------------

bool truthy(const std::string& v) {
    std::string l = v;
    std::transform(l.begin(), l.end(), l.begin(), ::tolower);
    return l == "1" || l == "true" || l == "t" || l == "on" || l == "y" || l == "yes";
}

const std::set<std::string> kPaging = {"limit", "marker", "offset", "sort", "sort_key", "sort_dir", "with_count"};

// Cinder's reject_invalid_filters: non-admins may use only the configured filters from 3.33
// on (400 otherwise; all_tenants is silently ignored), and older versions drop the others.
std::variant<std::map<std::string, std::string>, Reply> user_filters(const Ctx& c, const std::set<std::string>& allowed)
    REQUIRES(c.cloud.mutex) {
    std::map<std::string, std::string> filters;
    std::vector<std::string> invalid;
    for (const auto& [key, value] : c.call.req.params) {
        if (kPaging.count(key) || key == "all_tenants") continue;
        if (!c.caller.is_admin && !allowed.count(key)) {
            invalid.push_back(key);
            continue;
        }
        filters[key] = value;
    }
    if (!invalid.empty() && c.at(33)) {
        std::string names;
        for (const auto& k : invalid) names += (names.empty() ? "" : ",") + k;
        return fault(400, fmt::format("Invalid filters {} are found in query options.", names));
    }
    return filters;
}

std::optional<Meta> parse_meta_filter(std::string text) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) {
        std::replace(text.begin(), text.end(), '\'', '"');
        j = json::parse(text, nullptr, false);
    }
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    Meta out;
    for (const auto& [k, v] : j.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
    return out;
}

bool meta_matches(const Meta& have, const Meta& want) {
    for (const auto& [k, v] : want) {
        auto it = have.find(k);
        if (it == have.end() || it->second != v) return false;
    }
    return true;
}

std::optional<std::string> name_of(const Volume& v) { return v.name; }
const std::optional<std::string>& name_of(const Backup& b) { return b.name; }

template <class Item, class Keep, class Render>
Reply list_page(const Ctx& c, const OrderedIndex<Item>& index, const std::deque<Item>& items, const char* collection,
                bool detail, Keep keep, Render render, const std::string& not_found_kind,
                std::optional<Handle> marker_handle) REQUIRES(c.cloud.mutex) {
    auto page = page_params(c.call, false);
    if (!page) return fault(400, "limit param must be an integer");
    auto it = index.begin();
    if (page->marker) {
        if (!marker_handle || !c.sees(items[*marker_handle].project))
            return fault(404, fmt::format("{} {} could not be found.", not_found_kind, *page->marker));
        it = index.upper_bound(*marker_handle);
    }
    JsonOut w;
    w.text().reserve(std::min<size_t>(page->limit, 1000) * 1024);
    w.begin_object().key(collection).begin_array();
    size_t count = 0;
    const std::string* last = nullptr;
    for (; it != index.end() && count < page->limit; ++it) {
        const Item& item = items[*it];
        if (!keep(item)) continue;
        if (detail)
            render(w, item);
        else
            write_summary(w, c, collection, item.id, name_of(item));
        last = &item.id;
        ++count;
    }
    w.end_array();
    size_t max_items = page->limited ? page->limit : 1000;
    if (max_items > 0 && count == max_items)
        w.key(std::string(collection) + "_links")
            .raw(next_links(c.call,
                            fmt::format("{}/volume/v3/{}/{}{}", c.call.base_url, c.url_project, collection,
                                        detail ? "/detail" : ""),
                            *last));
    w.end_object();
    return text_reply(200, std::move(w.text()));
}

template <class Item>
const OrderedIndex<Item>& scope_index(const std::unordered_map<Handle, OrderedIndex<Item>>& by_project,
                                      const OrderedIndex<Item>& all, std::optional<Handle> project) {
    static const OrderedIndex<Item> kEmpty{NewestFirst<Item>{nullptr}};
    if (!project) return all;
    auto it = by_project.find(*project);
    return it == by_project.end() ? kEmpty : it->second;
}

// The project a list is limited to: none for admins with all_tenants, else the caller's.
std::optional<Handle> list_scope(const Ctx& c) REQUIRES(c.cloud.mutex) {
    auto all = c.call.param("all_tenants");
    if (c.caller.is_admin && all && truthy(*all)) return std::nullopt;
    return c.caller.project;
}

std::optional<Handle> project_filter(const Ctx& c, const std::map<std::string, std::string>& f, bool& impossible)
    REQUIRES(c.cloud.mutex) {
    auto it = f.find("project_id");
    if (it == f.end()) return std::nullopt;
    auto p = c.cloud.project(it->second);
    if (!p || c.cloud.projects[*p].id != it->second) impossible = true;
    return p;
}

// What a list request asks, as Cinder reads it for volumes, backups and snapshots: the user's
// filters, the project the caller sees (none for admins with all_tenants), a project_id filter
// (impossible when no such project exists) and a metadata filter where the list has one.
struct ListQuery {
    std::map<std::string, std::string> filters;
    std::optional<Handle> scope;
    std::optional<Handle> wanted_project;
    bool impossible = false;
    std::optional<Meta> meta;

    std::optional<std::string> get(const char* key) const {
        auto it = filters.find(key);
        return it == filters.end() ? std::optional<std::string>() : it->second;
    }
};

std::variant<ListQuery, Reply> list_query(const Ctx& c, const std::set<std::string>& allowed, bool metadata_filter)
    REQUIRES(c.cloud.mutex) {
    auto filters = user_filters(c, allowed);
    if (auto* bad = std::get_if<Reply>(&filters)) return *bad;
    ListQuery q;
    q.filters = std::move(std::get<0>(filters));
    q.scope = list_scope(c);
    q.wanted_project = project_filter(c, q.filters, q.impossible);
    if (metadata_filter && q.filters.count("metadata") && !(q.meta = parse_meta_filter(q.filters.at("metadata"))))
        return fault(400, "Invalid input received: metadata filter must be a JSON object");
    return q;
}

Reply list_volumes(const Ctx& c, bool detail) REQUIRES(c.cloud.mutex) {
    auto query = list_query(c,
                            {"name", "status", "metadata", "bootable", "migration_status", "availability_zone",
                             "group_id", "size", "created_at", "updated_at"},
                            true);
    if (auto* bad = std::get_if<Reply>(&query)) return *bad;
    const ListQuery& q = std::get<0>(query);
    // Named, not bound: clang before 16 cannot capture structured bindings in the lambda below.
    const auto& scope = q.scope;
    const auto& wanted_project = q.wanted_project;
    const bool impossible = q.impossible;
    const auto& meta = q.meta;
    auto name = q.get("name"), status = q.get("status");
    const auto& index =
        scope_index(c.cloud.volumes_by_project, c.cloud.all_volumes, wanted_project ? wanted_project : scope);
    auto keep = [&](const Volume& v) {
        if (impossible || (scope && v.project != *scope)) return false;
        if ((name && v.name != *name) || (status && v.status != *status)) return false;
        return !meta || meta_matches(v.metadata, *meta);
    };
    auto marker = c.call.param("marker");
    return list_page(
        c, index, c.cloud.volumes, "volumes", detail, keep,
        [&](JsonOut& w, const Volume& v) {
            c.cloud.mutex.assert_held();
            write_volume(w, c, v);
        },
        "Volume", marker ? c.cloud.volume(*marker) : std::nullopt);
}

Reply list_backups(const Ctx& c, bool detail) REQUIRES(c.cloud.mutex) {
    auto query = list_query(c, {"name", "status", "volume_id"}, c.at(43));
    if (auto* bad = std::get_if<Reply>(&query)) return *bad;
    const ListQuery& q = std::get<0>(query);
    // Named, not bound: clang before 16 cannot capture structured bindings in the lambda below.
    const auto& scope = q.scope;
    const auto& wanted_project = q.wanted_project;
    const bool impossible = q.impossible;
    const auto& meta = q.meta;
    auto name = q.get("name"), status = q.get("status"), volume_id = q.get("volume_id");
    std::optional<Handle> narrow = wanted_project ? wanted_project : scope;
    static const OrderedIndex<Backup> kEmpty{NewestFirst<Backup>{nullptr}};
    const OrderedIndex<Backup>* index = &scope_index(c.cloud.backups_by_project, c.cloud.all_backups, narrow);
    if (volume_id) {
        auto it = c.cloud.backups_by_volume.find(*volume_id);
        index = it == c.cloud.backups_by_volume.end() ? &kEmpty : &it->second;
    }
    auto keep = [&](const Backup& b) {
        if (impossible || (scope && b.project != *scope) || (wanted_project && b.project != *wanted_project))
            return false;
        if ((name && b.name != *name) || (status && *status != to_string(b.status))) return false;
        return !meta || meta_matches(b.metadata, *meta);
    };
    auto marker = c.call.param("marker");
    return list_page(
        c, *index, c.cloud.backups, "backups", detail, keep,
        [&](JsonOut& w, const Backup& b) {
            c.cloud.mutex.assert_held();
            write_backup(w, c, b);
        },
        "Backup", marker ? c.cloud.backup(*marker) : std::nullopt);
}

// ---- backup create -------------------------------------------------------------------

bool is_uuid(const std::string& s) {
    if (s.size() != 36) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash != (s[i] == '-')) return false;
        if (!dash && !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
}

std::optional<bool> cinder_bool(const nlohmann::ordered_json& v) {
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_number_integer() && (v == 0 || v == 1)) return v == 1;
    if (!v.is_string()) return std::nullopt;
    std::string s = v.get<std::string>();
    for (const char* t : {"True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes", "y", "t"})
        if (s == t) return true;
    for (const char* f : {"False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no", "n", "f"})
        if (s == f) return false;
    return std::nullopt;
}

// Cinder's JSON schema for "backup" (additionalProperties: False); the 400 text it gives.
std::optional<std::string> schema_error(const Ctx& c, const nlohmann::ordered_json& body) REQUIRES(c.cloud.mutex) {
    if (!body.is_object() || !body.contains("backup")) return "'backup' is a required property";
    const auto& b = body["backup"];
    std::string value = python_repr(b);
    if (!b.is_object())
        return fmt::format("Invalid input for field/attribute backup. Value: {}. {} is not of type 'object'", value,
                           value);
    std::vector<std::string> allowed = {"volume_id", "container", "description", "incremental",
                                        "force",     "name",      "snapshot_id"};
    if (c.at(43)) allowed.push_back("metadata");
    if (c.at(51)) allowed.push_back("availability_zone");
    std::vector<std::string> unexpected;
    for (const auto& [k, v] : b.items())
        if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) unexpected.push_back("'" + k + "'");
    if (!unexpected.empty()) {
        std::string list;
        for (const auto& u : unexpected) list += (list.empty() ? "" : ", ") + u;
        return fmt::format(
            "Invalid input for field/attribute backup. Value: {}. Additional properties are not allowed ({} {} "
            "unexpected)",
            value, list, unexpected.size() == 1 ? "was" : "were");
    }
    if (!b.contains("volume_id"))
        return fmt::format("Invalid input for field/attribute backup. Value: {}. 'volume_id' is a required property",
                           value);
    for (const char* key : {"volume_id", "snapshot_id"}) {
        if (!b.contains(key)) continue;
        const auto& v = b[key];
        if (!v.is_string() || !is_uuid(v.get<std::string>()))
            return fmt::format("Invalid input for field/attribute {}. Value: {}. {} is not a 'uuid'", key,
                               v.is_string() ? v.get<std::string>() : python_repr(v), python_repr(v));
    }
    for (const char* key : {"name", "description", "container", "availability_zone"}) {
        if (!b.contains(key) || b[key].is_null()) continue;
        if (!b[key].is_string() || b[key].get<std::string>().size() > 255)
            return fmt::format("Invalid input for field/attribute {}. Value: {}. {} is not of type 'string', 'null'",
                               key, python_repr(b[key]), python_repr(b[key]));
    }
    for (const char* key : {"incremental", "force"})
        if (b.contains(key) && !cinder_bool(b[key]))
            return fmt::format("Invalid input for field/attribute {}. Value: {}. {} is not a valid boolean", key,
                               python_repr(b[key]), python_repr(b[key]));
    if (b.contains("metadata")) {
        if (!b["metadata"].is_object())
            return fmt::format("Invalid input for field/attribute metadata. Value: {}. {} is not of type 'object'",
                               python_repr(b["metadata"]), python_repr(b["metadata"]));
        for (const auto& [k, v] : b["metadata"].items())
            if (!v.is_string() || k.empty() || k.size() > 255 || v.get<std::string>().size() > 255)
                return fmt::format("Invalid input for field/attribute metadata. Value: {}. {} is not of type 'string'",
                                   python_repr(b["metadata"]), python_repr(v));
    }
    return std::nullopt;
}

// Cinder's QuotaError: a "safe" exception, so the message is prefixed with its class name
// (cinder/api/middleware/fault.py), and its Retry-After of 0 goes in the header and the body.
Reply over_quota(std::string_view exception, const std::string& message) {
    Reply r = json_reply(
        413,
        {{"overLimit", {{"code", 413}, {"message", fmt::format("{}: {}", exception, message)}, {"retryAfter", "0"}}}});
    r.headers.emplace_back("Retry-After", "0");
    return r;
}

std::optional<Reply> quota_error(const Project& p, std::int64_t size) {
    if (p.quota.backups >= 0 && p.usage.backups + 1 > p.quota.backups)
        return over_quota("BackupLimitExceeded",
                          fmt::format("Maximum number of backups allowed ({}) exceeded", p.quota.backups));
    if (p.quota.backup_gigabytes >= 0 && p.usage.backup_gigabytes + size > p.quota.backup_gigabytes)
        return over_quota(
            "VolumeBackupSizeExceedsAvailableQuota",
            fmt::format("Requested backup exceeds allowed Backup gigabytes quota. Requested {}G, quota is "
                        "{}G and {}G has been consumed.",
                        size, p.quota.backup_gigabytes, p.usage.backup_gigabytes));
    return std::nullopt;
}

// Cinder's parent choice (cinder/backup/api.py): the backup of the volume in the caller's project
// with the newest data_timestamp, whatever its status (for a snapshot, only those older than it);
// none at all -> "No backups available", newest not available -> "must be available".
std::variant<Handle, Reply> incremental_parent(const Ctx& c, const std::string& volume_id, Handle project,
                                               const Snapshot* snapshot) REQUIRES(c.cloud.mutex) {
    auto it = c.cloud.backups_by_volume.find(volume_id);
    std::optional<Handle> latest;
    auto key = [&](Handle h) {
        c.cloud.mutex.assert_held();
        Micros t = c.cloud.backups[h].data_timestamp;
        return !snapshot || t < snapshot->created ? t : std::numeric_limits<Micros>::min();
    };
    if (it != c.cloud.backups_by_volume.end())
        for (Handle h : it->second)
            if (c.cloud.backups[h].project == project && (!latest || key(h) > key(*latest))) latest = h;
    if (!latest) return fault(400, "Invalid backup: No backups available to do an incremental backup.");
    if (c.cloud.backups[*latest].status != BackupStatus::available)
        return fault(400, "Invalid backup: The parent backup must be available for incremental backup.");
    return *latest;
}

// What the backup reads: the snapshot when one is named (the volume's status is then not
// checked), else the volume, which must be available, or in-use with force.
std::variant<Snapshot*, Reply> check_source(const Ctx& c, const Volume& volume, const nlohmann::ordered_json& req)
    REQUIRES(c.cloud.mutex) {
    if (req.contains("snapshot_id")) {
        std::string snapshot_id = req["snapshot_id"].get<std::string>();
        Snapshot* found = c.cloud.snapshot(snapshot_id);
        if (!found || !c.sees(found->project))
            return fault(404, fmt::format("Snapshot {} could not be found.", snapshot_id));
        if (found->volume_id != volume.id)
            return fault(400, fmt::format("Invalid volume: Volume {} does not match with snapshot.volume_id {}.",
                                          volume.id, found->volume_id));
        if (found->status != "available")
            return fault(400,
                         fmt::format("Invalid snapshot: Snapshot to be backed up must be available, but the current "
                                     "status is \"{}\".",
                                     found->status));
        return found;
    }
    if (volume.status != "available" && volume.status != "in-use")
        return fault(400,
                     fmt::format("Invalid volume: Volume to be backed up must be available or in-use, but the current "
                                 "status is \"{}\".",
                                 volume.status));
    if (volume.status == "in-use" && !(req.contains("force") && *cinder_bool(req["force"])))
        return fault(400, "Invalid volume: Backing up an in-use volume must use the force flag.");
    return static_cast<Snapshot*>(nullptr);
}

Backup new_backup(const Ctx& c, const Volume& volume, const nlohmann::ordered_json& req, const Snapshot* snapshot)
    REQUIRES(c.cloud.mutex) {
    Backup b;
    b.volume_id = volume.id;
    b.project = *c.caller.project;
    b.user = c.caller.user;
    if (req.contains("name") && req["name"].is_string()) b.name = req["name"].get<std::string>();
    if (req.contains("description") && req["description"].is_string())
        b.description = req["description"].get<std::string>();
    if (req.contains("availability_zone") && req["availability_zone"].is_string())
        b.availability_zone = req["availability_zone"].get<std::string>();
    if (req.contains("metadata"))
        for (const auto& [k, v] : req["metadata"].items()) b.metadata[k] = v.get<std::string>();
    if (snapshot) b.snapshot_id = snapshot->id;
    b.volume_metadata = volume.metadata;
    b.size = volume.size;
    b.created = b.updated = c.call.now;
    b.data_timestamp = snapshot ? snapshot->created : c.call.now;
    b.incremental = req.contains("incremental") && *cinder_bool(req["incremental"]);
    return b;
}

// The checks and their order follow cinder/backup/api.py create().
Reply create_backup(const Ctx& c) REQUIRES(c.cloud.mutex) {
    auto body = nlohmann::ordered_json::parse(c.call.req.body, nullptr, false);
    if (body.is_discarded()) return fault(400, "Malformed request body");
    if (auto why = schema_error(c, body)) return fault(400, *why);
    if (!c.caller.project) return fault(403, "Policy doesn't allow backup:create to be performed.");
    const auto& req = body["backup"];
    std::string volume_id = req["volume_id"].get<std::string>();
    auto vh = c.cloud.volume(volume_id);
    if (!vh || !c.sees(c.cloud.volumes[*vh].project))
        return fault(404, fmt::format("Volume {} could not be found.", volume_id));
    Volume& volume = c.cloud.volumes[*vh];
    auto source = check_source(c, volume, req);
    if (auto* bad = std::get_if<Reply>(&source)) return *bad;
    Snapshot* snapshot = std::get<Snapshot*>(source);
    if (auto over = quota_error(c.cloud.projects[*c.caller.project], volume.size)) return *over;
    Backup b = new_backup(c, volume, req, snapshot);
    if (b.incremental) {
        auto parent = incremental_parent(c, volume_id, b.project, snapshot);
        if (auto* bad = std::get_if<Reply>(&parent)) return *bad;
        b.parent = std::get<Handle>(parent);
    }
    if (snapshot) {
        snapshot->status = "backing-up";
    } else {
        volume.previous_status = volume.status;
        volume.status = "backing-up";
        volume.updated = c.call.now;
    }
    Handle h = c.cloud.add_backup(std::move(b));
    c.cloud.schedule(h, c.call.now + static_cast<Micros>(c.cloud.settings.backup_create_s * 1e6));
    return trimmed(c, 202, c.cloud.backups[h]);
}

// ---- backup show / delete / actions / export / import ---------------------------------

std::optional<Handle> visible_backup(const Ctx& c, const std::string& id) REQUIRES(c.cloud.mutex) {
    auto h = c.cloud.backup(id);
    if (!h || !c.sees(c.cloud.backups[*h].project)) return std::nullopt;
    return h;
}

Reply backup_not_found(const std::string& id) { return fault(404, fmt::format("Backup {} could not be found.", id)); }

void start_delete(Ctx& c, Handle h) REQUIRES(c.cloud.mutex) {
    Backup& b = c.cloud.backups[h];
    b.status = BackupStatus::deleting;
    b.updated = c.call.now;
    c.cloud.schedule(h, c.call.now + static_cast<Micros>(c.cloud.settings.backup_delete_s * 1e6));
}

// Cinder looks for dependents with get_all(parent_id=...), which sees the caller's project only.
bool has_dependents_in_caller_project(const Ctx& c, Handle h) REQUIRES(c.cloud.mutex) {
    const Backup& parent = c.cloud.backups[h];
    if (parent.dependents == 0) return false;
    auto it = c.cloud.backups_by_volume.find(parent.volume_id);
    if (it == c.cloud.backups_by_volume.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(), [&](Handle child) {
        c.cloud.mutex.assert_held();
        const Backup& b = c.cloud.backups[child];
        return b.parent == h && b.project == c.caller.project;
    });
}

Reply delete_backup(Ctx& c, Handle h) REQUIRES(c.cloud.mutex) {
    const Backup& b = c.cloud.backups[h];
    if (b.status != BackupStatus::available && b.status != BackupStatus::error)
        return fault(400, "Invalid backup: Backup status must be available or error");
    if (has_dependents_in_caller_project(c, h))
        return fault(400, "Invalid backup: Incremental backups exist for this backup.");
    start_delete(c, h);
    Reply r = empty_reply(202);
    r.headers.emplace_back("Content-Type", "application/json");  // as recorded in dr-import.md, with no body
    return r;
}

Reply backup_action(Ctx& c, Handle h) REQUIRES(c.cloud.mutex) {
    if (!c.caller.is_admin) return fault(403, "Policy doesn't allow backup:backup_admin_actions to be performed.");
    json body = json::parse(c.call.req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || body.empty()) return fault(400, "Malformed request body");
    if (body.contains("os-force_delete")) {
        if (c.cloud.backups[h].dependents > 0)
            return fault(400, "Invalid backup: Incremental backups exist for this backup.");
        start_delete(c, h);
        return empty_reply(202);
    }
    if (body.contains("os-reset_status") && body["os-reset_status"].contains("status")) {
        std::string status = body["os-reset_status"].value("status", "");
        if (status == "available")
            c.cloud.set_status(h, BackupStatus::available, c.call.now);
        else if (status == "error")
            c.cloud.set_status(h, BackupStatus::error, c.call.now);
        else
            return fault(400, fmt::format("Invalid input received: Invalid status: {}", status));
        return empty_reply(202);
    }
    return fault(400, "There is no such action: " + body.begin().key());
}

// PUT /backups/{id} (volume 3.9; metadata from 3.43), as recorded in tests/e2e/recorded/backup-metadata.md:
// name and description are set, metadata is replaced whole (not merged), the answer is the summary.
Reply update_backup(Ctx& c, Handle h) REQUIRES(c.cloud.mutex) {
    if (!c.at(9)) return fault(404, "The resource could not be found.");
    json body = json::parse(c.call.req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("backup") || !body["backup"].is_object())
        return fault(400, "Malformed request body");
    const auto& b = body["backup"];
    std::vector<std::string> allowed = {"name", "description"};
    if (c.at(43)) allowed.push_back("metadata");
    std::string unexpected;
    int count = 0;
    for (const auto& [k, v] : b.items())
        if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
            unexpected += (unexpected.empty() ? "'" : ", '") + k + "'";
            ++count;
        }
    if (count > 0)
        return fault(400, fmt::format("Invalid input for field/attribute backup. Value: {}. Additional properties are "
                                      "not allowed ({} {} unexpected)",
                                      python_repr(b), unexpected, count == 1 ? "was" : "were"));
    for (const char* key : {"name", "description"})
        if (b.contains(key) && !b[key].is_null() && (!b[key].is_string() || b[key].get<std::string>().size() > 255))
            return fault(400, fmt::format("Invalid input for field/attribute {}. Value: {}. {} is not of type "
                                          "'string', 'null'",
                                          key, python_repr(b[key]), python_repr(b[key])));
    if (b.contains("metadata")) {
        if (!b["metadata"].is_object())
            return fault(400, fmt::format("Invalid input for field/attribute metadata. Value: {}. {} is not of type "
                                          "'object'",
                                          python_repr(b["metadata"]), python_repr(b["metadata"])));
        for (const auto& [k, v] : b["metadata"].items())
            if (!v.is_string() || k.empty() || k.size() > 255 || v.get<std::string>().size() > 255)
                return fault(400, fmt::format("Invalid input for field/attribute metadata. Value: {}. {} is not of "
                                              "type 'string'",
                                              python_repr(b["metadata"]), python_repr(v)));
    }
    Backup& backup = c.cloud.backups[h];
    if (b.contains("name")) backup.name = optional_string_of(b["name"]);
    if (b.contains("description")) backup.description = optional_string_of(b["description"]);
    if (b.contains("metadata")) {
        backup.metadata.clear();
        for (const auto& [k, v] : b["metadata"].items()) backup.metadata[k] = v.get<std::string>();
    }
    backup.updated = c.call.now;
    return trimmed(c, 200, backup);
}

// The posix driver's name for a backup's files: volume_<volume id>_<created, compact>_backup_<id>.
std::string service_metadata(const Backup& b) {
    std::string created = nova_time(b.created);  // 2026-11-22T03:38:16Z
    std::erase_if(created, [](char ch) { return ch == '-' || ch == ':' || ch == 'T' || ch == 'Z'; });
    return fmt::format("volume_{}_{}_backup_{}", b.volume_id, created, b.id);
}

Reply export_record(const Ctx& c, const std::string& id) REQUIRES(c.cloud.mutex) {
    if (!c.caller.is_admin) return fault(403, "Policy doesn't allow backup:export-import to be performed.");
    auto h = visible_backup(c, id);
    if (!h) return backup_not_found(id);
    const Backup& b = c.cloud.backups[*h];
    if (b.status != BackupStatus::available)
        return fault(400,
                     fmt::format("Invalid backup: Backup status must be available and not {}.", to_string(b.status)));
    json record = {{"driver_info", json::object()},
                   {"id", b.id},
                   {"user_id", c.cloud.users[b.user].id},
                   {"project_id", c.cloud.projects[b.project].id},
                   {"volume_id", b.volume_id},
                   {"host", "simcloud"},
                   {"availability_zone", optional_string(b.availability_zone)},
                   {"container", container_of(b.id)},
                   {"parent_id", b.parent                   ? json(c.cloud.backups[*b.parent].id)
                                 : b.pending_parent.empty() ? json(nullptr)
                                                            : json(b.pending_parent)},
                   {"status", "available"},
                   {"fail_reason", nullptr},
                   {"size", b.size},
                   {"display_name", optional_string(b.name)},
                   {"display_description", optional_string(b.description)},
                   {"service_metadata", service_metadata(b)},
                   {"service", kBackupService},
                   {"object_count", b.object_count},
                   {"num_dependent_backups", b.num_dependent_backups},
                   {"temp_volume_id", nullptr},
                   {"temp_snapshot_id", nullptr},
                   {"snapshot_id", optional_string(b.snapshot_id)},
                   {"data_timestamp", nova_time(b.data_timestamp)},
                   {"restore_volume_id", nullptr},
                   {"metadata", b.metadata},
                   {"encryption_key_id", nullptr},
                   {"created_at", nova_time(b.created)},
                   {"updated_at", nova_time(b.updated)},
                   {"deleted_at", nullptr},
                   {"deleted", false}};
    return json_reply(
        200, {{"backup-record", {{"backup_service", kBackupService}, {"backup_url", base64_encode(record.dump())}}}});
}

Reply import_record(const Ctx& c) REQUIRES(c.cloud.mutex) {
    if (!c.caller.is_admin) return fault(403, "Policy doesn't allow backup:backup-import to be performed.");
    json body = json::parse(c.call.req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("backup-record") ||
        !body["backup-record"].contains("backup_url") || !body["backup-record"]["backup_url"].is_string())
        return fault(400, "Invalid input for field/attribute backup-record. 'backup_url' is a required property");
    auto decoded = base64_decode(body["backup-record"]["backup_url"].get<std::string>());
    json record = decoded ? json::parse(*decoded, nullptr, false) : json();
    if (!decoded || record.is_discarded() || !record.is_object() || !record.contains("id") || !record["id"].is_string())
        return fault(400, "Invalid input received: Can't parse backup record.");
    std::string id = record["id"].get<std::string>();
    if (c.cloud.backup(id)) return fault(400, "Invalid backup: Backup already exists in database.");
    // cinder/backup/api.py _get_import_backup(): the importing project's quota is reserved.
    if (auto over = quota_error(c.cloud.projects[*c.caller.project], record.value("size", 1))) return *over;
    Backup b;
    b.id = id;
    b.volume_id = record.value("volume_id", "");
    b.project = *c.caller.project;
    b.user = c.caller.user;
    if (record.contains("display_name") && record["display_name"].is_string())
        b.name = record["display_name"].get<std::string>();
    if (record.contains("display_description") && record["display_description"].is_string())
        b.description = record["display_description"].get<std::string>();
    if (record.contains("snapshot_id") && record["snapshot_id"].is_string())
        b.snapshot_id = record["snapshot_id"].get<std::string>();
    b.size = record.value("size", 1);
    b.object_count = record.value("object_count", 1);
    // Recorded (dr-import.md): creating, without the record's fields, until the backup service
    // imported it (backup_import_seconds), then available with them.
    b.status = BackupStatus::creating;
    b.importing = true;
    b.availability_zone = "nova";
    b.created = parse_time(record.value("created_at", "")).value_or(c.call.now);
    b.updated = c.call.now;
    b.data_timestamp = parse_time(record.value("data_timestamp", "")).value_or(b.created);
    if (record.contains("metadata") && record["metadata"].is_object())
        for (const auto& [k, v] : record["metadata"].items())
            if (v.is_string()) b.metadata[k] = v.get<std::string>();
    // Kept as the record has them: the parent id whether or not that backup is there yet, and
    // num_dependent_backups as it was when the record was fetched (recorded: a full whose record
    // was fetched before its incremental existed shows has_dependent_backups false after both
    // are imported, though Cinder refuses its delete, which looks for the incremental itself).
    if (record.contains("parent_id") && record["parent_id"].is_string()) {
        b.incremental = true;
        b.pending_parent = record["parent_id"].get<std::string>();
    }
    if (record.contains("num_dependent_backups") && record["num_dependent_backups"].is_number_integer())
        b.num_dependent_backups = record["num_dependent_backups"].get<int>();
    // Cinder revives a soft-deleted row of the same id (deleted through the API): the answer then
    // shows its old name (the shared transcript); a row gone from the database gives none
    // (dr-import.md).
    std::optional<std::string> answered_name;
    for (const Backup& old : c.cloud.backups)
        if (!old.alive && !old.purged && old.id == id) answered_name = old.name;
    Handle h = c.cloud.add_backup(std::move(b));
    c.cloud.link_imported(h);
    c.cloud.schedule(h, c.call.now + static_cast<Micros>(c.cloud.settings.backup_import_s * 1e6));
    // The answer comes before the backup service read the record: no name yet (recorded).
    return single(201, "backup", [&](JsonOut& w) {
        c.cloud.mutex.assert_held();
        write_summary(w, c, "backups", id, answered_name);
    });
}

// ---- snapshots -----------------------------------------------------------------------------
// As recorded in tests/e2e/recorded/snapshots.md and snapshot-calls.md (forced snapshots of in-use
// volumes, backups from them, the 400 for deleting one a backup reads, deleting then gone); the
// checks follow Cinder's source: cinder/api/views/snapshots.py and api/v3/views/snapshots.py for
// the shape, api/contrib/extended_snapshot_attributes.py for show and detail, volume/api.py.

void write_snapshot(JsonOut& w, const Ctx& c, const Snapshot& s, bool from_database) REQUIRES(c.cloud.mutex) {
    w.begin_object();
    w.key("id").str(s.id).key("created_at");
    // The create answers with the object before its database round trip: microseconds, as recorded.
    w.str(from_database ? cinder_time(s.created) : cinder_time_micros(s.created));
    w.key("updated_at");
    if (s.updated)
        w.str(cinder_time(s.updated));
    else
        w.null();
    w.key("name").opt(s.name).key("description").opt(s.description).key("volume_id").str(s.volume_id);
    w.key("status").str(s.status).key("size").num(s.size).key("metadata").object(s.metadata);
    if (c.at(14)) w.key("group_snapshot_id").null();
    if (c.at(41)) w.key("user_id").str(c.cloud.users[s.user].id);
    if (from_database) {
        w.key("os-extended-snapshot-attributes:project_id").str(c.cloud.projects[s.project].id);
        w.key("os-extended-snapshot-attributes:progress").str(s.status == "creating" ? "0%" : "100%");
    }
    w.end_object();
}

std::optional<std::string> snapshot_schema_error(const nlohmann::ordered_json& body) {
    if (!body.is_object() || !body.contains("snapshot")) return "'snapshot' is a required property";
    const auto& s = body["snapshot"];
    std::string value = python_repr(s);
    if (!s.is_object())
        return fmt::format("Invalid input for field/attribute snapshot. Value: {}. {} is not of type 'object'", value,
                           value);
    static const std::vector<std::string> allowed = {"name",      "display_name", "description",
                                                     "volume_id", "force",        "metadata"};
    std::string unexpected;
    int n = 0;
    for (const auto& [k, v] : s.items())
        if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) unexpected += (n++ ? ", '" : "'") + k + "'";
    if (n)
        return fmt::format(
            "Invalid input for field/attribute snapshot. Value: {}. Additional properties are not allowed ({} {} "
            "unexpected)",
            value, unexpected, n == 1 ? "was" : "were");
    if (!s.contains("volume_id"))
        return fmt::format("Invalid input for field/attribute snapshot. Value: {}. 'volume_id' is a required property",
                           value);
    if (!s["volume_id"].is_string() || !is_uuid(s["volume_id"].get<std::string>()))
        return fmt::format("Invalid input for field/attribute volume_id. Value: {}. {} is not a 'uuid'",
                           python_repr(s["volume_id"]), python_repr(s["volume_id"]));
    if (s.contains("force") && !cinder_bool(s["force"]))
        return fmt::format("Invalid input for field/attribute force. Value: {}. {} is not a valid boolean",
                           python_repr(s["force"]), python_repr(s["force"]));
    if (s.contains("metadata") && !s["metadata"].is_null()) {
        if (!s["metadata"].is_object())
            return fmt::format("Invalid input for field/attribute metadata. Value: {}. {} is not of type 'object'",
                               python_repr(s["metadata"]), python_repr(s["metadata"]));
        for (const auto& [k, v] : s["metadata"].items())
            if (!v.is_string() || k.empty() || k.size() > 255 || v.get<std::string>().size() > 255)
                return fmt::format("Invalid input for field/attribute metadata. Value: {}. {} is not of type 'string'",
                                   python_repr(s["metadata"]), python_repr(v));
    }
    return std::nullopt;
}

// cinder/api/v3/snapshots.py create() and volume/api.py create_snapshot_in_db(), in their order.
Reply create_snapshot(const Ctx& c) REQUIRES(c.cloud.mutex) {
    auto body = nlohmann::ordered_json::parse(c.call.req.body, nullptr, false);
    if (body.is_discarded()) return fault(400, "Malformed request body");
    if (auto why = snapshot_schema_error(body)) return fault(400, *why);
    const auto& req = body["snapshot"];
    std::string volume_id = req["volume_id"].get<std::string>();
    auto vh = c.cloud.volume(volume_id);
    if (!vh || !c.sees(c.cloud.volumes[*vh].project))
        return fault(404, fmt::format("Volume {} could not be found.", volume_id));
    const Volume& volume = c.cloud.volumes[*vh];
    bool force = req.contains("force") && *cinder_bool(req["force"]);
    if (c.at(66) && req.contains("force") && !force)
        return fault(400,
                     "Since microversion 3.66 the 'force' flag is invalid for this request.  For backward "
                     "compatability, however, when the 'force' flag is passed with a value evaluating to True, it "
                     "is silently ignored.");
    bool in_use_allowed = force || c.at(66);
    if (volume.status != "available" && !(in_use_allowed && volume.status == "in-use"))
        return fault(400, fmt::format("Invalid volume: Volume {} status must be {}, but current status is: {}.",
                                      volume.id, in_use_allowed ? "available, in-use" : "available", volume.status));
    const Project& p = c.cloud.projects[*c.caller.project];
    if (p.quota.snapshots >= 0 && p.usage.snapshots + 1 > p.quota.snapshots)
        return over_quota("SnapshotLimitExceeded",
                          fmt::format("Maximum number of snapshots allowed ({}) exceeded", p.quota.snapshots));
    if (p.quota.gigabytes >= 0 && p.usage.gigabytes + volume.size > p.quota.gigabytes)
        return over_quota("VolumeSizeExceedsAvailableQuota",
                          fmt::format("Requested volume or snapshot exceeds allowed gigabytes quota. Requested {}G, "
                                      "quota is {}G and {}G has been consumed.",
                                      volume.size, p.quota.gigabytes, p.usage.gigabytes));
    Snapshot s;
    s.volume_id = volume.id;
    s.project = *c.caller.project;
    s.user = c.caller.user;
    s.size = volume.size;
    s.status = "creating";
    s.created = c.call.now;
    for (const char* key : {"name", "display_name"})
        if (req.contains(key) && req[key].is_string()) s.name = req[key].get<std::string>();
    if (req.contains("description") && req["description"].is_string())
        s.description = req["description"].get<std::string>();
    if (req.contains("metadata") && req["metadata"].is_object())
        for (const auto& [k, v] : req["metadata"].items()) s.metadata[k] = v.get<std::string>();
    s.due = c.call.now + static_cast<Micros>(c.cloud.settings.snapshot_create_s * 1e6);
    const Snapshot& made = c.cloud.add_snapshot(std::move(s));
    return single(202, "snapshot", [&](JsonOut& w) {
        c.cloud.mutex.assert_held();
        write_snapshot(w, c, made, false);
    });
}

// Newest first, as Cinder lists; admins with all_tenants see every project, filters as for backups.
Reply list_snapshots(const Ctx& c) REQUIRES(c.cloud.mutex) {
    auto query = list_query(c, {"name", "status", "volume_id", "metadata"}, true);
    if (auto* bad = std::get_if<Reply>(&query)) return *bad;
    const ListQuery& q = std::get<0>(query);
    const auto& [f, scope, wanted_project, impossible, meta] = q;
    auto status = q.get("status"), volume_id = q.get("volume_id");
    auto page = page_params(c.call, false);
    if (!page) return fault(400, "limit param must be an integer");
    std::vector<const Snapshot*> listed;
    for (const Snapshot& s : c.cloud.snapshots) {
        if (impossible || (scope && s.project != *scope) || (wanted_project && s.project != *wanted_project)) continue;
        if ((status && s.status != *status) || (volume_id && s.volume_id != *volume_id)) continue;
        if (meta && !meta_matches(s.metadata, *meta)) continue;
        listed.push_back(&s);
    }
    std::stable_sort(listed.begin(), listed.end(), [](const Snapshot* a, const Snapshot* b) {
        return a->created != b->created ? a->created > b->created : a->id > b->id;
    });
    auto from = listed.begin();
    if (page->marker) {
        from = std::find_if(listed.begin(), listed.end(), [&](const Snapshot* s) { return s->id == *page->marker; });
        if (from == listed.end()) return fault(404, fmt::format("Snapshot {} could not be found.", *page->marker));
        ++from;
    }
    JsonOut w;
    w.begin_object().key("snapshots").begin_array();
    size_t count = 0;
    const std::string* last = nullptr;
    for (; from != listed.end() && count < page->limit; ++from, ++count) {
        write_snapshot(w, c, **from, true);
        last = &(*from)->id;
    }
    w.end_array();
    size_t max_items = page->limited ? page->limit : 1000;
    if (max_items > 0 && count == max_items)
        w.key("snapshots_links")
            .raw(next_links(c.call, fmt::format("{}/volume/v3/{}/snapshots/detail", c.call.base_url, c.url_project),
                            *last));
    w.end_object();
    return text_reply(200, std::move(w.text()));
}

// volume/api.py delete_snapshot(): only available or error (a backup reading it keeps it backing-up).
// The recorded answer (snapshots.md, snapshot-calls.md) is an empty 202 labelled text/html.
Reply delete_snapshot(const Ctx& c, Snapshot& s) REQUIRES(c.cloud.mutex) {
    if (s.status != "available" && s.status != "error")
        return fault(400,
                     "Invalid snapshot: Snapshot status must be available or error and must not be part of a group.");
    s.status = "deleting";
    s.updated = c.call.now;
    s.due = c.call.now + static_cast<Micros>(c.cloud.settings.snapshot_delete_s * 1e6);
    Reply r = empty_reply(202);
    r.headers.emplace_back("Content-Type", "text/html; charset=UTF-8");
    return r;
}

Reply route_snapshots(Ctx& c) REQUIRES(c.cloud.mutex) {
    const auto& s = c.call.segs;  // v3, {project}, snapshots, ...
    const std::string& m = c.call.req.method;
    if (s.size() == 3 && m == "POST") return create_snapshot(c);
    if (s.size() == 4 && s[3] == "detail" && m == "GET") return list_snapshots(c);
    if (s.size() == 4) {
        Snapshot* snap = c.cloud.snapshot(s[3]);
        if (!snap || !c.sees(snap->project)) return fault(404, fmt::format("Snapshot {} could not be found.", s[3]));
        if (m == "GET")
            return single(200, "snapshot", [&](JsonOut& w) {
                c.cloud.mutex.assert_held();
                write_snapshot(w, c, *snap, true);
            });
        if (m == "DELETE") return delete_snapshot(c, *snap);
    }
    return fault(404, "The resource could not be found.");
}

// ---- volume create, delete, metadata; backup restore ----------------------------------
// Recorded in tests/e2e/recorded/restore.md; the checks and their order follow cinder/volume/api.py
// and cinder/backup/api.py restore().

std::optional<std::string> volume_schema_error(const nlohmann::ordered_json& body) {
    if (!body.is_object() || !body.contains("volume")) return "'volume' is a required property";
    const auto& v = body["volume"];
    if (!v.is_object()) {
        std::string value = python_repr(v);
        return fmt::format("Invalid input for field/attribute volume. Value: {}. {} is not of type 'object'", value,
                           value);
    }
    if (!v.contains("size") || !v["size"].is_number_integer() || v["size"].get<std::int64_t>() < 1) {
        std::string value = v.contains("size") ? python_repr(v["size"]) : "None";
        return fmt::format("Invalid input for field/attribute size. Value: {}. {} is less than the minimum of 1", value,
                           value);
    }
    if (v.contains("metadata") && !v["metadata"].is_null()) {
        if (!v["metadata"].is_object())
            return fmt::format("Invalid input for field/attribute metadata. Value: {}. {} is not of type 'object'",
                               python_repr(v["metadata"]), python_repr(v["metadata"]));
        for (const auto& [k, value] : v["metadata"].items())
            if (!value.is_string() || k.empty() || k.size() > 255 || value.get<std::string>().size() > 255)
                return fmt::format("Invalid input for field/attribute metadata. Value: {}. {} is not of type 'string'",
                                   python_repr(v["metadata"]), python_repr(value));
    }
    return std::nullopt;
}

std::optional<Reply> volume_quota_error(const Project& p, std::int64_t size) {
    if (p.quota.volumes >= 0 && p.usage.volumes + 1 > p.quota.volumes)
        return over_quota(
            "VolumeLimitExceeded",
            fmt::format("Maximum number of volumes allowed ({}) exceeded for quota 'volumes'.", p.quota.volumes));
    if (p.quota.gigabytes >= 0 && p.usage.gigabytes + size > p.quota.gigabytes)
        return over_quota("VolumeSizeExceedsAvailableQuota",
                          fmt::format("Requested volume or snapshot exceeds allowed gigabytes quota. Requested {}G, "
                                      "quota is {}G and {}G has been consumed.",
                                      size, p.quota.gigabytes, p.usage.gigabytes));
    return std::nullopt;
}

// A new volume of the caller's project, creating until volume_create_seconds have passed.
Handle new_volume(const Ctx& c, std::int64_t size, std::string name, std::optional<std::string> description,
                  Meta metadata) REQUIRES(c.cloud.mutex) {
    Volume v;
    v.name = std::move(name);
    v.description = std::move(description);
    v.project = *c.caller.project;
    v.user = c.caller.user;
    v.size = size;
    v.status = "creating";
    v.created = c.call.now;
    v.metadata = std::move(metadata);
    Handle h = c.cloud.add_volume(std::move(v));
    c.cloud.schedule_volume(h, c.call.now + static_cast<Micros>(c.cloud.settings.volume_create_s * 1e6));
    return h;
}

Reply create_volume(const Ctx& c) REQUIRES(c.cloud.mutex) {
    auto body = nlohmann::ordered_json::parse(c.call.req.body, nullptr, false);
    if (body.is_discarded()) return fault(400, "Malformed request body");
    if (auto why = volume_schema_error(body)) return fault(400, *why);
    const auto& req = body["volume"];
    if (req.contains("volume_type") && req["volume_type"].is_string()) {
        std::string type = req["volume_type"].get<std::string>();
        if (type != "__DEFAULT__" && type != kDefaultVolumeTypeId)
            return fault(404, fmt::format("Volume type with name {} could not be found.", type));
    }
    std::int64_t size = req["size"].get<std::int64_t>();
    if (auto over = volume_quota_error(c.cloud.projects[*c.caller.project], size)) return *over;
    std::string name;
    std::optional<std::string> description;
    if (req.contains("name") && req["name"].is_string()) name = req["name"].get<std::string>();
    if (req.contains("description") && req["description"].is_string())
        description = req["description"].get<std::string>();
    Meta metadata;
    if (req.contains("metadata") && req["metadata"].is_object())
        for (const auto& [k, v] : req["metadata"].items()) metadata[k] = v.get<std::string>();
    Handle h = new_volume(c, size, std::move(name), std::move(description), std::move(metadata));
    return single(202, "volume", [&](JsonOut& w) {
        c.cloud.mutex.assert_held();
        write_volume(w, c, c.cloud.volumes[h], true);
    });
}

// volume/api.py delete(): detached, in a settled status, without snapshots. The recorded answer
// is an empty 202 labelled text/html; the volume shows deleting (listed, readable, refused a
// second delete) for volume_delete_seconds, then 404.
Reply delete_volume(const Ctx& c, Handle h) REQUIRES(c.cloud.mutex) {
    const Volume& v = c.cloud.volumes[h];
    bool has_snapshots = std::any_of(c.cloud.snapshots.begin(), c.cloud.snapshots.end(),
                                     [&](const Snapshot& s) { return s.volume_id == v.id; });
    static const std::set<std::string> deletable = {"available", "error", "error_restoring", "error_extending",
                                                    "error_managing"};
    if (v.server || !deletable.count(v.status) || has_snapshots)
        return fault(400,
                     "Invalid volume: Volume status must be available or error or error_restoring or error_extending "
                     "or error_managing and must not be migrating, attached, belong to a group, have snapshots, "
                     "awaiting a transfer, or be disassociated from snapshots after volume transfer.");
    Volume& deleting = c.cloud.volumes[h];
    deleting.status = "deleting";
    deleting.updated = c.call.now;
    c.cloud.schedule_volume(h, c.call.now + static_cast<Micros>(c.cloud.settings.volume_delete_s * 1e6));
    Reply r = empty_reply(202);
    r.headers.emplace_back("Content-Type", "text/html; charset=UTF-8");
    return r;
}

Reply metadata_reply(const Meta& metadata, const char* content_type) {
    Reply r = json_reply(200, {{"metadata", metadata}});
    for (auto& [k, v] : r.headers)
        if (k == "Content-Type") v = content_type;
    return r;
}

// POST merges, as recorded; GET is labelled text/html, as recorded.
Reply volume_metadata(const Ctx& c, Handle h) REQUIRES(c.cloud.mutex) {
    Volume& v = c.cloud.volumes[h];
    if (c.call.req.method == "GET") return metadata_reply(v.metadata, "text/html; charset=UTF-8");
    json body = json::parse(c.call.req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("metadata") || !body["metadata"].is_object())
        return fault(400, "Malformed request body");
    for (const auto& [k, value] : body["metadata"].items()) {
        if (!value.is_string())
            return fault(400, fmt::format("Invalid input for field/attribute metadata. Value: {}. {} is not of type "
                                          "'string'",
                                          python_repr(body["metadata"]), python_repr(value)));
    }
    for (const auto& [k, value] : body["metadata"].items()) v.metadata[k] = value.get<std::string>();
    v.updated = c.call.now;
    return metadata_reply(v.metadata, "application/json");
}

Reply restore_backup(const Ctx& c, Handle bh) REQUIRES(c.cloud.mutex) {
    json body = json::parse(c.call.req.body, nullptr, false);
    if (body.is_discarded()) return fault(400, "Malformed request body");
    if (!body.is_object() || !body.contains("restore")) return fault(400, "'restore' is a required property");
    const json& req = body["restore"].is_object() ? body["restore"] : json::object();
    Backup& b = c.cloud.backups[bh];
    if (b.status != BackupStatus::available) return fault(400, "Invalid backup: Backup status must be available");
    std::optional<Handle> vh;
    if (req.contains("volume_id") && req["volume_id"].is_string()) {
        std::string volume_id = req["volume_id"].get<std::string>();
        vh = c.cloud.volume(volume_id);
        if (!vh || !c.sees(c.cloud.volumes[*vh].project))
            return fault(404, fmt::format("Volume {} could not be found.", volume_id));
    } else {
        // Cinder creates the volume and waits for it before answering (the recorded 4.3 s).
        if (auto over = volume_quota_error(c.cloud.projects[*c.caller.project], b.size)) return *over;
        std::string name =
            req.contains("name") && req["name"].is_string() ? req["name"].get<std::string>() : "restore_backup_" + b.id;
        vh = new_volume(c, b.size, name, "auto-created_from_restore_from_backup", {});
        c.cloud.volumes[*vh].status = "available";
        c.cloud.volumes[*vh].updated = c.call.now;
    }
    Volume& v = c.cloud.volumes[*vh];
    if (v.status != "available") return fault(400, "Invalid volume: Volume to be restored to must be available");
    if (b.size > v.size)
        return fault(400, fmt::format("Invalid volume: volume size {} is too small to restore backup of size {}.",
                                      v.size, b.size));
    b.status = BackupStatus::restoring;
    b.updated = c.call.now;
    v.status = "restoring-backup";
    v.updated = c.call.now;
    v.restoring_from = bh;
    c.cloud.schedule_volume(
        *vh, c.call.now + static_cast<Micros>(c.cloud.settings.restore_s_per_gib * static_cast<double>(b.size) * 1e6));
    return json_reply(202, {{"restore", {{"backup_id", b.id}, {"volume_id", v.id}, {"volume_name", v.name}}}});
}

// Only os-set_bootable is offered (recorded: 200, no body).
Reply volume_action(const Ctx& c, Handle h) REQUIRES(c.cloud.mutex) {
    json body = json::parse(c.call.req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || body.empty()) return fault(400, "Malformed request body");
    if (!body.contains("os-set_bootable")) return fault(400, "There is no such action: " + body.begin().key());
    const json& args = body["os-set_bootable"];
    if (!args.is_object() || !args.contains("bootable") || !args["bootable"].is_boolean())
        return fault(400, "Must specify bootable in request.");
    c.cloud.volumes[h].bootable = args["bootable"].get<bool>();
    Reply r = empty_reply(200);
    r.headers.emplace_back("Content-Type", "application/json");  // as recorded, with no body
    return r;
}

Reply route_volumes(Ctx& c) REQUIRES(c.cloud.mutex) {
    const auto& s = c.call.segs;  // v3, {project}, volumes, ...
    const std::string& m = c.call.req.method;
    if (s.size() == 3 && m == "GET") return list_volumes(c, false);
    if (s.size() == 3 && m == "POST") return create_volume(c);
    if (s.size() == 4 && s[3] == "detail" && m == "GET") return list_volumes(c, true);
    if (s.size() == 4 || (s.size() == 5 && (s[4] == "metadata" || s[4] == "action"))) {
        auto h = c.cloud.volume(s[3]);
        if (!h || !c.sees(c.cloud.volumes[*h].project))
            return fault(404, fmt::format("Volume {} could not be found.", s[3]));
        if (s.size() == 4 && m == "GET")
            return single(200, "volume", [&](JsonOut& w) {
                c.cloud.mutex.assert_held();
                write_volume(w, c, c.cloud.volumes[*h]);
            });
        if (s.size() == 4 && m == "DELETE") return delete_volume(c, *h);
        if (s.size() == 5 && s[4] == "action" && m == "POST") return volume_action(c, *h);
        if (s.size() == 5 && (m == "GET" || m == "POST")) return volume_metadata(c, *h);
    }
    return fault(404, "The resource could not be found.");
}

// ---- quotas ----------------------------------------------------------------------------

Reply quota_set(const Ctx& c, const std::string& target_id) REQUIRES(c.cloud.mutex) {
    auto p = c.cloud.project(target_id);
    if (!c.caller.is_admin && (!p || c.caller.project != p))
        return fault(403, "Policy doesn't allow volume_extension:quotas:show to be performed.");
    Quota q = p ? c.cloud.projects[*p].quota : Quota{};
    Usage u = p ? c.cloud.projects[*p].usage : Usage{};
    auto usage = c.call.param("usage");
    bool with_usage = usage && truthy(*usage);
    auto item = [&](std::int64_t limit, std::int64_t in_use) {
        return with_usage ? json{{"limit", limit}, {"in_use", in_use}, {"reserved", 0}} : json(limit);
    };
    json set = {{"volumes", item(q.volumes, u.volumes)},
                {"per_volume_gigabytes", item(q.per_volume_gigabytes, 0)},
                {"snapshots", item(q.snapshots, u.snapshots)},
                {"gigabytes", item(q.gigabytes, u.gigabytes)},
                {"backups", item(q.backups, u.backups)},
                {"backup_gigabytes", item(q.backup_gigabytes, u.backup_gigabytes)},
                {"volumes___DEFAULT__", item(-1, u.volumes)},
                {"gigabytes___DEFAULT__", item(-1, u.gigabytes)},
                {"snapshots___DEFAULT__", item(-1, u.snapshots)},
                {"groups", item(q.groups, 0)},
                {"id", target_id}};
    return json_reply(200, {{"quota_set", set}});
}

Reply limits(const Ctx& c) REQUIRES(c.cloud.mutex) {
    const Project& p = c.cloud.projects[*c.caller.project];
    return json_reply(200, {{"limits",
                             {{"rate", json::array()},
                              {"absolute",
                               {{"maxTotalVolumes", p.quota.volumes},
                                {"maxTotalSnapshots", p.quota.snapshots},
                                {"maxTotalVolumeGigabytes", p.quota.gigabytes},
                                {"maxTotalBackups", p.quota.backups},
                                {"maxTotalBackupGigabytes", p.quota.backup_gigabytes},
                                {"totalVolumesUsed", p.usage.volumes},
                                {"totalGigabytesUsed", p.usage.gigabytes},
                                {"totalSnapshotsUsed", p.usage.snapshots},
                                {"totalBackupsUsed", p.usage.backups},
                                {"totalBackupGigabytesUsed", p.usage.backup_gigabytes}}}}}});
}

// ---- routing -----------------------------------------------------------------------------

Reply route_backups(Ctx& c) REQUIRES(c.cloud.mutex) {
    const auto& s = c.call.segs;  // v3, {project}, backups, ...
    const std::string& m = c.call.req.method;
    if (s.size() == 3) {
        if (m == "GET") return list_backups(c, false);
        if (m == "POST") return create_backup(c);
    } else if (s.size() == 4 && s[3] == "detail" && m == "GET") {
        return list_backups(c, true);
    } else if (s.size() == 4 && s[3] == "import_record" && m == "POST") {
        return import_record(c);
    } else if (s.size() == 5 && s[4] == "export_record" && m == "GET") {
        return export_record(c, s[3]);
    } else if (s.size() >= 4) {
        auto h = visible_backup(c, s[3]);
        if (!h) return backup_not_found(s[3]);
        if (s.size() == 4 && m == "GET")
            return single(200, "backup", [&](JsonOut& w) {
                c.cloud.mutex.assert_held();
                write_backup(w, c, c.cloud.backups[*h]);
            });
        if (s.size() == 4 && m == "DELETE") return delete_backup(c, *h);
        if (s.size() == 4 && m == "PUT") return update_backup(c, *h);
        if (s.size() == 5 && s[4] == "action" && m == "POST") return backup_action(c, *h);
        if (s.size() == 5 && s[4] == "restore" && m == "POST") return restore_backup(c, *h);
    }
    return fault(404, "The resource could not be found.");
}

Reply route(Ctx& c) REQUIRES(c.cloud.mutex) {
    const auto& s = c.call.segs;
    const std::string& m = c.call.req.method;
    if (!c.caller.project) return fault(403, "Policy doesn't allow this operation without a project-scoped token.");
    // cinder/api/openstack/wsgi.py: the URL's project must be the token's, for admins too (recorded).
    if (s.size() >= 2 && s[1] != c.cloud.projects[*c.caller.project].id) return fault(400, "Malformed request url");
    if (s.size() >= 3 && s[2] == "backups") return route_backups(c);
    if (s.size() >= 3 && s[2] == "snapshots") return route_snapshots(c);
    if (s.size() >= 3 && s[2] == "volumes") return route_volumes(c);
    if (s.size() == 4 && s[2] == "os-quota-sets" && m == "GET") return quota_set(c, s[3]);
    if (s.size() == 3 && s[2] == "limits" && m == "GET") return limits(c);
    return fault(404, "The resource could not be found.");
}

}  // namespace

Reply handle_cinder(Cloud& cloud, const Call& call) REQUIRES(cloud.mutex) {
    const auto& s = call.segs;
    std::string request_id = new_request_id();
    auto negotiated = negotiate(call.req, "volume", "OpenStack-Volume-microversion", kMin, kMax);
    Reply r;
    if (s.empty() && call.req.method == "GET") {
        r = json_reply(300, {{"versions", json::array({version_document(call.base_url)})}});
    } else if (s.empty() || s[0] != "v3") {
        r = fault(404, "The resource could not be found.");
    } else if (s.size() == 1 && call.req.method == "GET") {
        r = json_reply(200, {{"versions", json::array({version_document(call.base_url)})}});
    } else if (auto* bad = std::get_if<Reply>(&negotiated)) {
        r = *bad;
    } else {
        auto who = authenticate(cloud, call.req, call.now);
        if (auto* denied = std::get_if<Reply>(&who)) {
            r = *denied;
        } else {
            Ctx c{cloud, call, std::get<Caller>(who), std::get<Version>(negotiated), s[1]};
            c.cloud.mutex.assert_held();  // it is cloud.mutex
            r = route(c);
        }
    }
    Version v = std::holds_alternative<Version>(negotiated) ? std::get<Version>(negotiated) : kMin;
    r.headers.emplace_back("OpenStack-API-Version", "volume " + to_string(v));
    r.headers.emplace_back("X-OpenStack-Request-Id", request_id);
    r.headers.emplace_back("X-Compute-Request-Id", request_id);
    return r;
}

}  // namespace staffeln::sim
