// The cloud as staffeln sees it: plain values read from Keystone, Nova and Cinder.
// The OpenStack client produces them, the planners consume them; no I/O lives here.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace staffeln {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::sys_seconds;
using Metadata = std::map<std::string, std::string>;

struct Project {
    std::string id;
    std::string name;
    std::string domain_id;
};

// A server's flavor as Nova's server detail shows it: below compute 2.47 its id only, from 2.47
// its original name and sizes (no id).
struct ServerFlavor {
    std::string id{};
    std::string name{};
    std::int64_t vcpus = 0;  // 0: not shown
    std::int64_t ram_mb = 0;
    std::int64_t disk_gb = 0;
    bool operator==(const ServerFlavor&) const = default;
};

// One fixed or floating address of Nova's `addresses`, keyed there by network name.
struct ServerAddress {
    std::string network{};
    std::string ip{};
    std::string mac{};   // OS-EXT-IPS-MAC:mac_addr
    std::string type{};  // OS-EXT-IPS:type: fixed or floating
    std::int64_t version = 0;
    bool operator==(const ServerAddress&) const = default;
};

// What the listing shows of a server's make-up beyond its volumes, for its recorded definition
// (core/server_definition.h). A field Nova shows badly is left empty and named in problems.
struct ServerShape {
    ServerFlavor flavor{};
    std::string image_id{};  // "" when booted from a volume
    std::string availability_zone{};
    std::string key_name{};
    std::string root_device_name{};  // OS-EXT-SRV-ATTR:root_device_name (admin, compute 2.3+)
    std::vector<std::string> security_groups{};
    std::vector<ServerAddress> addresses{};
    std::vector<bool> delete_on_termination{};  // per volume_ids entry (compute 2.3+); false when not shown
    std::vector<std::string> problems{};        // "field: problem", e.g. "addresses: is not an object"
};

struct Server {
    std::string id{};
    std::string name{};
    std::string project_id{};
    std::string status{};  // Nova's, e.g. ACTIVE, SHUTOFF
    Metadata metadata{};
    std::vector<std::string> volume_ids{};  // os-extended-volumes:volumes_attached, in Nova's order
    ServerShape shape{};
};

struct Volume {
    std::string id{};
    std::string name{};        // may be empty: Cinder allows unnamed volumes
    std::string project_id{};  // os-vol-tenant-attr:tenant_id
    std::string status{};      // available, in-use, error, ...
    std::int64_t size_gb = 0;
    Metadata metadata{};
    bool bootable = false;
    std::string device{};  // where the first attachment has it, e.g. /dev/vda; "" when detached
};

struct Backup {
    std::string id{};
    std::string name{};
    std::string description{};
    std::string project_id{};  // os-backup-project-attr:project_id (admin view)
    std::string volume_id{};
    std::string status{};  // creating, available, deleting, error, restoring, ...
    std::string fail_reason{};
    bool is_incremental = false;
    bool has_dependent_backups = false;
    TimePoint created_at{};
    TimePoint data_timestamp{};  // what Cinder orders incremental parents by
    std::int64_t size_gb = 0;
    std::string snapshot_id{};
    Metadata metadata{};  // empty below volume microversion 3.43
};

// A volume snapshot (Cinder's detail view with os-extended-snapshot-attributes).
struct Snapshot {
    std::string id{};
    std::string name{};
    std::string project_id{};  // os-extended-snapshot-attributes:project_id; "" in a create's answer
    std::string volume_id{};
    std::string status{};  // creating, available, backing-up, deleting, error, ...
    TimePoint created_at{};
    std::int64_t size_gb = 0;
    Metadata metadata{};
};

struct QuotaUsage {
    std::int64_t limit = -1;  // -1 (or 0) means unlimited
    std::int64_t in_use = 0;
    std::int64_t reserved = 0;
};

}  // namespace staffeln
