#include "staffeln/openstack/resource_json.h"

namespace staffeln::openstack {
namespace {

// What the parsers read of each listed item; the rest of a page is dropped while it is parsed.
constexpr std::string_view kVolumeFields[] = {"id",       "name",        "os-vol-tenant-attr:tenant_id",
                                              "status",   "size",        "metadata",
                                              "bootable", "attachments", "volume_type"};
constexpr std::string_view kBackupFields[] = {"id",
                                              "name",
                                              "description",
                                              "os-backup-project-attr:project_id",
                                              "volume_id",
                                              "status",
                                              "fail_reason",
                                              "is_incremental",
                                              "has_dependent_backups",
                                              "created_at",
                                              "data_timestamp",
                                              "size",
                                              "snapshot_id",
                                              "metadata"};

constexpr std::string_view kSnapshotFields[] = {"id",        "name",    "os-extended-snapshot-attributes:project_id",
                                                "volume_id", "status",  "created_at",
                                                "size",      "metadata"};
constexpr std::string_view kServerFields[] = {"id",     "name",     "tenant_id",
                                              "status", "metadata", "os-extended-volumes:volumes_attached"};

// Cinder shows bootable as the string "true" or "false".
bool bootable_field(const Json& v) {
    if (!v.contains("bootable") || v["bootable"].is_null()) return false;
    if (v["bootable"].is_boolean()) return v["bootable"].get<bool>();
    std::string text = string_field(v, "bootable");
    if (text != "true" && text != "false") throw FieldError{"bootable", "is neither \"true\" nor \"false\""};
    return text == "true";
}

// The device of the volume's first attachment ("" when detached).
std::string device_field(const Json& v) {
    if (!v.contains("attachments") || v["attachments"].is_null()) return "";
    const Json& attachments = array_field(v, "attachments");
    if (attachments.empty()) return "";
    if (!attachments[0].is_object()) throw FieldError{"attachments[0]", "is not an object"};
    return optional_string(attachments[0], "device");
}

}  // namespace

const ItemFields kVolumeItems{"volumes", kVolumeFields};
const ItemFields kBackupItems{"backups", kBackupFields};
const ItemFields kSnapshotItems{"snapshots", kSnapshotFields};
const ItemFields kServerItems{"servers", kServerFields};

Volume parse_volume(const Json& v) {
    return Volume{.id = string_field(v, "id"),
                  .name = optional_string(v, "name"),
                  .project_id = optional_string(v, "os-vol-tenant-attr:tenant_id"),
                  .status = string_field(v, "status"),
                  .size_gb = optional_int(v, "size"),
                  .metadata = metadata_field(v, "metadata"),
                  .bootable = bootable_field(v),
                  .device = device_field(v)};
}

Backup parse_backup(const Json& b) {
    Backup backup;
    backup.id = string_field(b, "id");
    backup.name = optional_string(b, "name");
    backup.description = optional_string(b, "description");
    backup.project_id = optional_string(b, "os-backup-project-attr:project_id");
    backup.volume_id = string_field(b, "volume_id");
    backup.status = string_field(b, "status");
    backup.fail_reason = optional_string(b, "fail_reason");
    backup.is_incremental = optional_bool(b, "is_incremental");
    backup.has_dependent_backups = optional_bool(b, "has_dependent_backups");
    backup.created_at = time_field(b, "created_at");
    backup.data_timestamp = b.contains("data_timestamp") ? optional_time(b, "data_timestamp") : backup.created_at;
    backup.size_gb = optional_int(b, "size");
    backup.snapshot_id = optional_string(b, "snapshot_id");
    backup.metadata = metadata_field(b, "metadata");
    return backup;
}

Snapshot parse_snapshot(const Json& s) {
    Snapshot snapshot;
    snapshot.id = string_field(s, "id");
    snapshot.name = optional_string(s, "name");
    snapshot.project_id = optional_string(s, "os-extended-snapshot-attributes:project_id");
    snapshot.volume_id = string_field(s, "volume_id");
    snapshot.status = string_field(s, "status");
    snapshot.created_at = time_field(s, "created_at");
    snapshot.size_gb = optional_int(s, "size");
    snapshot.metadata = metadata_field(s, "metadata");
    return snapshot;
}

Server parse_server(const Json& s) {
    Server server{string_field(s, "id"),     optional_string(s, "name"),    string_field(s, "tenant_id"),
                  string_field(s, "status"), metadata_field(s, "metadata"), {}};
    if (s.contains("os-extended-volumes:volumes_attached") && !s["os-extended-volumes:volumes_attached"].is_null())
        for (const Json& v : array_field(s, "os-extended-volumes:volumes_attached"))
            server.volume_ids.push_back(string_field(v, "id"));
    return server;
}

}  // namespace staffeln::openstack
