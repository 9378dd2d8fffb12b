#include "staffeln/openstack/cinder.h"

#include "staffeln/base64.h"
#include "staffeln/openstack/query.h"
#include "staffeln/openstack/resource_json.h"

namespace staffeln::openstack {
namespace {

constexpr Microversion backup_metadata_version{3, 43};

QuotaUsage parse_usage(const Json& quota_set, std::string_view key) {
    const Json& usage = object_field(quota_set, key);
    return QuotaUsage{int_field(usage, "limit"), int_field(usage, "in_use"), optional_int(usage, "reserved")};
}

// Cinder's backup_url is base64 of the backup's row as JSON; its parent_id is the one place the
// API shows an incremental's parent.
std::string parent_in_backup_url(const std::string& backup_url) {
    auto decoded = base64_decode(backup_url);
    if (!decoded) throw FieldError{"backup-record.backup_url", "is not base64"};
    Json row = Json::parse(*decoded, nullptr, false);
    if (!row.is_object()) throw FieldError{"backup-record.backup_url", "does not decode to a JSON object"};
    if (row.contains("parent_id") && !row["parent_id"].is_null() && !row["parent_id"].is_string())
        throw FieldError{"backup-record.backup_url.parent_id", "is not a string"};
    return optional_string(row, "parent_id");
}

std::string backup_path(const std::string& backup_id) { return "/backups/" + percent_encode(backup_id); }
std::string snapshot_path(const std::string& snapshot_id) { return "/snapshots/" + percent_encode(snapshot_id); }
std::string volume_path(const std::string& volume_id) { return "/volumes/" + percent_encode(volume_id); }

}  // namespace

Result<std::vector<Volume>> Cinder::list_volumes(const VolumeQuery& query) {
    auto details = list_volume_details(query);
    if (!details) return details.error();
    std::vector<Volume> volumes;
    volumes.reserve(details->size());
    for (auto& d : *details) volumes.push_back(std::move(d.volume));
    return volumes;
}

Result<std::vector<VolumeDetail>> Cinder::list_volume_details(const VolumeQuery& query) {
    const std::string path =
        "/volumes/detail" +
        query_string({{"all_tenants", query.all_tenants ? "1" : ""},
                      {"project_id", query.project_id},
                      {"metadata", query.metadata.empty() ? std::string() : Json(query.metadata).dump()},
                      {"limit", std::to_string(query.page_size)}});
    std::vector<VolumeDetail> volumes;
    Status status = session_.get_all(
        {Service::block_storage, "GET", path, {}, {}, Idempotency::idempotent}, "volumes_links",
        "cinder GET /volumes/detail",
        [&](const Json& page) {
            for (const Json& v : array_field(page, "volumes"))
                volumes.push_back({parse_volume(v), optional_string(v, "volume_type")});
        },
        kVolumeItems);
    if (!status) return status.error();
    return volumes;
}

Result<std::vector<Backup>> Cinder::list_backups(const BackupQuery& query) {
    std::vector<Backup> backups;
    Status status = for_each_backup(query, [&](Backup&& b) { backups.push_back(std::move(b)); });
    if (!status) return status.error();
    return backups;
}

Status Cinder::for_each_backup(const BackupQuery& query, const std::function<void(Backup&&)>& on_backup) {
    const std::string path = "/backups/detail" + query_string({{"all_tenants", query.all_tenants ? "1" : ""},
                                                               {"project_id", query.project_id},
                                                               {"volume_id", query.volume_id},
                                                               {"status", query.status},
                                                               {"limit", std::to_string(query.page_size)}});
    return session_.get_all(
        {Service::block_storage, "GET", path, {}, {}, Idempotency::idempotent}, "backups_links",
        "cinder GET /backups/detail",
        [&](const Json& page) {
            for (const Json& b : array_field(page, "backups")) on_backup(parse_backup(b));
        },
        kBackupItems);
}

Result<bool> Cinder::supports_backup_metadata() {
    auto version = session_.microversion(Service::block_storage);
    if (!version) return version.error();
    return version->has_value() && **version >= backup_metadata_version;
}

Result<std::string> Cinder::create_backup(const BackupRequest& request) {
    Json backup{{"volume_id", request.volume_id}, {"incremental", request.incremental}, {"force", request.force}};
    if (!request.name.empty()) backup["name"] = request.name;
    if (!request.description.empty()) backup["description"] = request.description;
    if (!request.snapshot_id.empty()) backup["snapshot_id"] = request.snapshot_id;
    if (!request.metadata.empty()) {
        auto supported = supports_backup_metadata();
        if (!supported) return supported.error();
        if (!*supported)
            return make_error(ErrorKind::invalid_input,
                              fmt::format("cinder POST /backups for volume {}: backup metadata needs volume "
                                          "microversion 3.43, which this cloud does not offer",
                                          request.volume_id));
        backup["metadata"] = request.metadata;
    }
    auto response = session_.call({Service::block_storage, "POST", "/backups", Json{{"backup", backup}}.dump(),
                                   request.project_id, Idempotency::not_idempotent});
    if (!response) return response.error();
    return parse_response("cinder POST /backups", response->body,
                          [](const Json& body) { return string_field(object_field(body, "backup"), "id"); });
}

Result<Backup> Cinder::get_backup(const std::string& backup_id, const std::string& project_id) {
    auto response =
        session_.call({Service::block_storage, "GET", backup_path(backup_id), {}, project_id, Idempotency::idempotent});
    if (!response) return response.error();
    return parse_response("cinder GET /backups/" + backup_id, response->body,
                          [](const Json& body) { return parse_backup(object_field(body, "backup")); });
}

Status Cinder::delete_backup(const std::string& backup_id, const std::string& project_id) {
    auto response = session_.call(
        {Service::block_storage, "DELETE", backup_path(backup_id), {}, project_id, Idempotency::idempotent});
    if (!response) return response.error();
    return {};
}

Status Cinder::update_backup(const std::string& backup_id, const std::optional<std::string>& description,
                             const std::optional<Metadata>& metadata) {
    Json backup = Json::object();
    if (description) backup["description"] = *description;
    if (metadata) {
        auto supported = supports_backup_metadata();
        if (!supported) return supported.error();
        if (!*supported)
            return make_error(ErrorKind::invalid_input,
                              fmt::format("cinder PUT /backups/{}: backup metadata needs volume microversion 3.43, "
                                          "which this cloud does not offer",
                                          backup_id));
        backup["metadata"] = *metadata;
    }
    auto response = session_.call({Service::block_storage,
                                   "PUT",
                                   backup_path(backup_id),
                                   Json{{"backup", backup}}.dump(),
                                   {},
                                   Idempotency::idempotent});
    if (!response) return response.error();
    return {};
}

Status Cinder::force_delete_backup(const std::string& backup_id) {
    auto response = session_.call({Service::block_storage,
                                   "POST",
                                   backup_path(backup_id) + "/action",
                                   R"({"os-force_delete": {}})",
                                   {},
                                   Idempotency::idempotent});
    if (!response) return response.error();
    return {};
}

Result<Snapshot> Cinder::create_snapshot(const SnapshotRequest& request) {
    Json snapshot{{"volume_id", request.volume_id}};
    // Sent only when set: from volume 3.66 on, Cinder refuses "force": false.
    if (request.force) snapshot["force"] = true;
    if (!request.name.empty()) snapshot["name"] = request.name;
    if (!request.description.empty()) snapshot["description"] = request.description;
    if (!request.metadata.empty()) snapshot["metadata"] = request.metadata;
    auto response = session_.call({Service::block_storage, "POST", "/snapshots", Json{{"snapshot", snapshot}}.dump(),
                                   request.project_id, Idempotency::not_idempotent});
    if (!response) return response.error();
    return parse_response("cinder POST /snapshots", response->body,
                          [](const Json& body) { return parse_snapshot(object_field(body, "snapshot")); });
}

Result<std::vector<Snapshot>> Cinder::list_snapshots(const SnapshotQuery& query) {
    const std::string path = "/snapshots/detail" + query_string({{"all_tenants", query.all_tenants ? "1" : ""},
                                                                 {"project_id", query.project_id},
                                                                 {"volume_id", query.volume_id},
                                                                 {"limit", std::to_string(query.page_size)}});
    std::vector<Snapshot> snapshots;
    Status status = session_.get_all(
        {Service::block_storage, "GET", path, {}, {}, Idempotency::idempotent}, "snapshots_links",
        "cinder GET /snapshots/detail",
        [&](const Json& page) {
            for (const Json& s : array_field(page, "snapshots")) snapshots.push_back(parse_snapshot(s));
        },
        kSnapshotItems);
    if (!status) return status.error();
    return snapshots;
}

Result<Snapshot> Cinder::get_snapshot(const std::string& snapshot_id, const std::string& project_id) {
    auto response = session_.call(
        {Service::block_storage, "GET", snapshot_path(snapshot_id), {}, project_id, Idempotency::idempotent});
    if (!response) return response.error();
    return parse_response("cinder GET /snapshots/" + snapshot_id, response->body,
                          [](const Json& body) { return parse_snapshot(object_field(body, "snapshot")); });
}

Status Cinder::delete_snapshot(const std::string& snapshot_id, const std::string& project_id) {
    auto response = session_.call(
        {Service::block_storage, "DELETE", snapshot_path(snapshot_id), {}, project_id, Idempotency::idempotent});
    if (!response) return response.error();
    return {};
}

Result<Volume> Cinder::create_volume(const VolumeRequest& request) {
    Json volume{{"size", request.size_gb}};
    if (!request.name.empty()) volume["name"] = request.name;
    if (!request.volume_type.empty()) volume["volume_type"] = request.volume_type;
    if (!request.metadata.empty()) volume["metadata"] = request.metadata;
    auto response = session_.call({Service::block_storage, "POST", "/volumes", Json{{"volume", volume}}.dump(),
                                   request.project_id, Idempotency::not_idempotent});
    if (!response) return response.error();
    return parse_response("cinder POST /volumes", response->body,
                          [](const Json& body) { return parse_volume(object_field(body, "volume")); });
}

Result<Volume> Cinder::get_volume(const std::string& volume_id, const std::string& project_id) {
    auto response =
        session_.call({Service::block_storage, "GET", volume_path(volume_id), {}, project_id, Idempotency::idempotent});
    if (!response) return response.error();
    return parse_response("cinder GET /volumes/" + volume_id, response->body,
                          [](const Json& body) { return parse_volume(object_field(body, "volume")); });
}

Status Cinder::delete_volume(const std::string& volume_id, const std::string& project_id) {
    // The answer is an empty 202 (labelled text/html): nothing to parse.
    auto response = session_.call(
        {Service::block_storage, "DELETE", volume_path(volume_id), {}, project_id, Idempotency::idempotent});
    if (!response) return response.error();
    return {};
}

Status Cinder::set_volume_metadata(const std::string& volume_id, const Metadata& metadata,
                                   const std::string& project_id) {
    auto response = session_.call({Service::block_storage, "POST", volume_path(volume_id) + "/metadata",
                                   Json{{"metadata", metadata}}.dump(), project_id, Idempotency::idempotent});
    if (!response) return response.error();
    auto merged = parse_response("cinder POST /volumes/" + volume_id + "/metadata", response->body,
                                 [](const Json& body) { return metadata_field(body, "metadata"); });
    if (!merged) return merged.error();
    for (const auto& [key, value] : metadata) {
        auto it = merged->find(key);
        if (it == merged->end() || it->second != value)
            return make_error(
                ErrorKind::invalid_input,
                fmt::format("cinder POST /volumes/{}/metadata: the answer does not hold {}={}", volume_id, key, value));
    }
    return {};
}

Status Cinder::set_bootable(const std::string& volume_id, bool bootable, const std::string& project_id) {
    auto response = session_.call({Service::block_storage, "POST", volume_path(volume_id) + "/action",
                                   Json{{"os-set_bootable", {{"bootable", bootable}}}}.dump(), project_id,
                                   Idempotency::idempotent});
    if (!response) return response.error();
    return {};
}

Status Cinder::restore_backup(const std::string& backup_id, const std::string& volume_id,
                              const std::string& project_id) {
    const std::string call = "cinder POST /backups/" + backup_id + "/restore";
    auto response =
        session_.call({Service::block_storage, "POST", backup_path(backup_id) + "/restore",
                       Json{{"restore", {{"volume_id", volume_id}}}}.dump(), project_id, Idempotency::not_idempotent});
    if (!response) return response.error();
    auto restored = parse_response(call, response->body, [](const Json& body) {
        const Json& restore = object_field(body, "restore");
        return std::pair{string_field(restore, "backup_id"), string_field(restore, "volume_id")};
    });
    if (!restored) return restored.error();
    if (restored->first != backup_id || restored->second != volume_id)
        return make_error(ErrorKind::invalid_input,
                          fmt::format("{}: the answer names backup {} and volume {}, not volume {}", call,
                                      restored->first, restored->second, volume_id));
    return {};
}

Result<BackupQuota> Cinder::backup_quota(const std::string& project_id) {
    auto response = session_.call({Service::block_storage,
                                   "GET",
                                   "/os-quota-sets/" + percent_encode(project_id) + "?usage=True",
                                   {},
                                   {},
                                   Idempotency::idempotent});
    if (!response) return response.error();
    return parse_response("cinder GET /os-quota-sets/" + project_id, response->body, [](const Json& body) {
        const Json& quota_set = object_field(body, "quota_set");
        return BackupQuota{parse_usage(quota_set, "backup_gigabytes"), parse_usage(quota_set, "backups")};
    });
}

Result<BackupRecord> Cinder::export_record(const std::string& backup_id) {
    auto response = session_.call(
        {Service::block_storage, "GET", backup_path(backup_id) + "/export_record", {}, {}, Idempotency::idempotent});
    if (!response) return response.error();
    return parse_response("cinder GET /backups/" + backup_id + "/export_record", response->body, [](const Json& body) {
        const Json& record = object_field(body, "backup-record");
        BackupRecord out;
        out.backup_service = string_field(record, "backup_service");
        out.backup_url = string_field(record, "backup_url");
        out.parent_id = parent_in_backup_url(out.backup_url);
        return out;
    });
}

Result<std::string> Cinder::import_record(const BackupRecord& record) {
    const Json request{
        {"backup-record", {{"backup_service", record.backup_service}, {"backup_url", record.backup_url}}}};
    auto response = session_.call(
        {Service::block_storage, "POST", "/backups/import_record", request.dump(), {}, Idempotency::not_idempotent});
    if (!response) return response.error();
    return parse_response("cinder POST /backups/import_record", response->body,
                          [](const Json& body) { return string_field(object_field(body, "backup"), "id"); });
}

}  // namespace staffeln::openstack
