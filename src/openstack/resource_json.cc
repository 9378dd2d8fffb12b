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
constexpr std::string_view kServerFields[] = {"id",
                                              "name",
                                              "tenant_id",
                                              "status",
                                              "metadata",
                                              "os-extended-volumes:volumes_attached",
                                              "flavor",
                                              "image",
                                              "OS-EXT-AZ:availability_zone",
                                              "key_name",
                                              "OS-EXT-SRV-ATTR:root_device_name",
                                              "security_groups",
                                              "addresses"};

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

ServerFlavor flavor_field(const Json& s) {
    const Json& f = object_field(s, "flavor");
    if (f.contains("original_name"))  // compute 2.47+: the flavor as it was at boot
        return ServerFlavor{"", string_field(f, "original_name"), int_field(f, "vcpus"), int_field(f, "ram"),
                            int_field(f, "disk")};
    return ServerFlavor{string_field(f, "id")};
}

// "" for a server booted from a volume (Nova shows "" there), else the image's id.
std::string image_field(const Json& s) {
    if (!s.contains("image") || s["image"].is_null() || s["image"].is_string()) return optional_string(s, "image");
    return string_field(object_field(s, "image"), "id");
}

std::vector<std::string> security_groups_field(const Json& s) {
    std::vector<std::string> names;
    if (!s.contains("security_groups") || s["security_groups"].is_null()) return names;
    for (const Json& g : array_field(s, "security_groups")) {
        if (!g.is_object()) throw FieldError{"security_groups[]", "is not an object"};
        names.push_back(string_field(g, "name"));
    }
    return names;
}

std::vector<ServerAddress> addresses_field(const Json& s) {
    std::vector<ServerAddress> out;
    if (!s.contains("addresses") || s["addresses"].is_null()) return out;
    for (const auto& [network, list] : object_field(s, "addresses").items()) {
        if (!list.is_array()) throw FieldError{"addresses." + network, "is not an array"};
        for (const Json& a : list) {
            if (!a.is_object()) throw FieldError{"addresses." + network + "[]", "is not an object"};
            out.push_back({network, string_field(a, "addr"), optional_string(a, "OS-EXT-IPS-MAC:mac_addr"),
                           optional_string(a, "OS-EXT-IPS:type"), optional_int(a, "version")});
        }
    }
    return out;
}

// Reads one part of the shape; a bad field is named in shape.problems and the part left empty,
// so that the server is still backed up.
template <class Read>
void read_part(ServerShape& shape, std::string_view field, Read&& read) {
    try {
        read();
    } catch (const FieldError& e) {
        // A field inside the part is named by its path: flavor.vcpus.
        const std::string name = e.field.starts_with(field) ? e.field : fmt::format("{}.{}", field, e.field);
        shape.problems.push_back(fmt::format("{}: {}", name, e.problem));
    } catch (const Json::exception& e) {
        shape.problems.push_back(fmt::format("{}: {}", field, e.what()));
    }
}

ServerShape shape_of(const Json& s) {
    ServerShape shape;
    read_part(shape, "flavor", [&] { shape.flavor = flavor_field(s); });
    read_part(shape, "image", [&] { shape.image_id = image_field(s); });
    read_part(shape, "OS-EXT-AZ:availability_zone",
              [&] { shape.availability_zone = optional_string(s, "OS-EXT-AZ:availability_zone"); });
    read_part(shape, "key_name", [&] { shape.key_name = optional_string(s, "key_name"); });
    read_part(shape, "OS-EXT-SRV-ATTR:root_device_name",
              [&] { shape.root_device_name = optional_string(s, "OS-EXT-SRV-ATTR:root_device_name"); });
    read_part(shape, "security_groups", [&] { shape.security_groups = security_groups_field(s); });
    read_part(shape, "addresses", [&] { shape.addresses = addresses_field(s); });
    return shape;
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
    Server server{string_field(s, "id"),
                  optional_string(s, "name"),
                  string_field(s, "tenant_id"),
                  string_field(s, "status"),
                  metadata_field(s, "metadata"),
                  {},
                  shape_of(s)};
    if (s.contains("os-extended-volumes:volumes_attached") && !s["os-extended-volumes:volumes_attached"].is_null())
        for (const Json& v : array_field(s, "os-extended-volumes:volumes_attached")) {
            server.volume_ids.push_back(string_field(v, "id"));
            bool on_termination = false;
            read_part(server.shape, "os-extended-volumes:volumes_attached[]",
                      [&] { on_termination = optional_bool(v, "delete_on_termination"); });
            server.shape.delete_on_termination.push_back(on_termination);
        }
    return server;
}

}  // namespace staffeln::openstack
