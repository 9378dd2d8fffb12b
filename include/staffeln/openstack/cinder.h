// Cinder v3 calls staffeln makes: volumes, backups and snapshots of every project (pages followed
// to the end), backup and snapshot create in the volume's project with that project's token (so
// they belong to it), show, delete, backup quota usage, export_record and import_record; for a
// restore, volume create, show, delete, metadata merge and bootable flag, and backup restore.
// Backup metadata needs volume microversion 3.43; below it supports_backup_metadata() is false,
// Backup::metadata stays empty and a create that asks for metadata is refused before it is sent.
#pragma once

#include "staffeln/model.h"
#include "staffeln/openstack/session.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace staffeln::openstack {

struct VolumeQuery {
    bool all_tenants = true;   // needs an admin token
    std::string project_id{};  // with all_tenants: only this project's volumes
    int page_size = 1000;
    Metadata metadata{};  // only volumes carrying all of these keys and values
};

// A volume with what a restore copies of it beyond model.h's Volume: its type's name ("" when
// Cinder shows none).
struct VolumeDetail {
    Volume volume;
    std::string volume_type;
};

struct VolumeRequest {
    std::string project_id;  // the project it is made in, with a token scoped to it
    std::int64_t size_gb = 1;
    std::string name;
    std::string volume_type;  // "" for the cloud's default
    Metadata metadata;
};

struct BackupQuery {
    bool all_tenants = true;
    std::string project_id{};
    std::string volume_id{};
    std::string status{};
    int page_size = 1000;
};

struct BackupRequest {
    std::string project_id;  // the volume's project: created with a token scoped to it
    std::string volume_id;
    std::string name;
    std::string description;
    bool incremental = false;
    bool force = false;       // needed for in-use volumes
    std::string snapshot_id;  // "" for none
    Metadata metadata;        // needs supports_backup_metadata()
};

struct SnapshotQuery {
    bool all_tenants = true;  // needs an admin token
    std::string project_id{};
    std::string volume_id{};
    int page_size = 1000;
};

struct SnapshotRequest {
    std::string project_id;  // the volume's project: created with a token scoped to it
    std::string volume_id;
    std::string name;
    std::string description;
    bool force = false;  // needed for in-use volumes (below volume 3.66)
    Metadata metadata;   // snapshot metadata: every v3 microversion accepts it
};

struct BackupQuota {
    QuotaUsage gigabytes;  // backup_gigabytes
    QuotaUsage backups;
};

// Cinder's export record: what import_record needs to re-create the backup. parent_id is read
// from the record's backup_url by export_record ("" for a full backup) and not sent on import.
struct BackupRecord {
    std::string backup_service;
    std::string backup_url;
    std::string parent_id;
};

class Cinder {
public:
    explicit Cinder(Session& session) : session_(session) {}

    Result<std::vector<Volume>> list_volumes(const VolumeQuery& query);
    Result<std::vector<VolumeDetail>> list_volume_details(const VolumeQuery& query);
    Result<std::vector<Backup>> list_backups(const BackupQuery& query);
    // The same listing, each backup handed over as its page is read: a caller that keeps less
    // than a Backup does not hold the whole listing at once.
    Status for_each_backup(const BackupQuery& query, const std::function<void(Backup&&)>& on_backup);
    // The new backup's id. A timeout after sending returns Error::maybe_applied: the caller
    // must look for the backup (by its metadata or name) instead of creating it again.
    Result<std::string> create_backup(const BackupRequest& request);
    // project_id "": with the own (admin) token.
    Result<Backup> get_backup(const std::string& backup_id, const std::string& project_id = "");
    Status delete_backup(const std::string& backup_id, const std::string& project_id = "");
    // PUT /backups/{id} (volume 3.9): sets the description when given, and replaces the backup's whole
    // metadata when given (needs supports_backup_metadata(); Cinder does not merge: send every key).
    Status update_backup(const std::string& backup_id, const std::optional<std::string>& description,
                         const std::optional<Metadata>& metadata);
    // os-force_delete (admin): also removes a backup still creating, which a plain delete refuses.
    Status force_delete_backup(const std::string& backup_id);
    Result<BackupQuota> backup_quota(const std::string& project_id);
    Result<BackupRecord> export_record(const std::string& backup_id);
    Result<std::string> import_record(const BackupRecord& record);  // the imported backup's id

    // The new snapshot as Cinder answers the create (status creating, project_id ""). A timeout
    // after sending returns Error::maybe_applied: look for it by its metadata before creating again.
    Result<Snapshot> create_snapshot(const SnapshotRequest& request);
    Result<std::vector<Snapshot>> list_snapshots(const SnapshotQuery& query);
    Result<Snapshot> get_snapshot(const std::string& snapshot_id, const std::string& project_id = "");
    // Cinder refuses (400) a snapshot that is not available or error, e.g. one a backup is reading.
    Status delete_snapshot(const std::string& snapshot_id, const std::string& project_id = "");

    // The new volume as Cinder answers the create (status creating). A timeout after sending
    // returns Error::maybe_applied: look for it by its metadata before creating again.
    Result<Volume> create_volume(const VolumeRequest& request);
    Result<Volume> get_volume(const std::string& volume_id, const std::string& project_id = "");
    // Cinder refuses (400) a volume that is attached, busy (creating, restoring-backup) or has snapshots.
    Status delete_volume(const std::string& volume_id, const std::string& project_id = "");
    // Merges `metadata` into the volume's (keys not named are kept).
    Status set_volume_metadata(const std::string& volume_id, const Metadata& metadata,
                               const std::string& project_id = "");
    Status set_bootable(const std::string& volume_id, bool bootable, const std::string& project_id = "");
    // Starts restoring the backup into the volume (both available, the volume at least the
    // backup's size); the volume is restoring-backup until done, then available with the backed-up
    // volume's metadata plus src_backup_id: whatever metadata it had before is gone.
    Status restore_backup(const std::string& backup_id, const std::string& volume_id,
                          const std::string& project_id = "");

    Result<bool> supports_backup_metadata();

private:
    Session& session_;
};

}  // namespace staffeln::openstack
