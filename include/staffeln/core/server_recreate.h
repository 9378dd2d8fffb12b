// `staffeln restore --recreate-server` (docs/restore.md): what to boot from the restored volumes
// (plan_boot) and, on every run, whether to boot, wait or stop (next_server_step). Pure: the
// shell lists the flavors and the servers tagged with the restore, and sends what these decide.
#pragma once

#include "staffeln/core/flavor_match.h"
#include "staffeln/core/server_definition.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace staffeln::core {

struct RecreateOptions {
    std::string restore_id;           // the tag staffeln:restore=<id> the new server carries
    std::string name;                 // the new server's name
    std::string flavor;               // --flavor (id or name); "" takes the recorded one
    bool keep_backup_tag = false;     // --keep-backup-tag
    std::string backup_metadata_key;  // [conductor] backup_metadata_key
};

struct BootVolume {
    std::string volume_id;  // the restored volume
    std::string device;     // the recorded device ("" lets Nova choose)
    int boot_index = -1;
    bool delete_on_termination = false;
};

// POST /servers: networks "none" (a server without addresses); volumes in the recorded order.
struct BootRequest {
    std::string name;
    std::string flavor_id;
    std::string image_id;  // the recorded image, for a server not booted from a volume
    std::string availability_zone;
    std::string key_name;
    Metadata metadata;
    std::vector<std::string> security_groups;  // empty: Nova's default
    std::vector<BootVolume> volumes;
};

struct BootPlan {
    std::optional<BootRequest> request;  // nullopt: refused, refusal says why
    std::string refusal;
    std::vector<std::string> notes;  // what differs from the recorded server
};

// restored: each source volume's restored copy, by source volume id (volumes left out of a
// partial restore are absent). Refused, naming what: no flavor by --flavor's id or name, none
// by the recorded id or name, or by the recorded vCPUs/RAM/disk; the boot volume not restored;
// recorded addresses (their networks would have to be mapped to this cloud's networks, which
// staffeln does not do yet: boot by hand).
BootPlan plan_boot(const ServerDefinition& recorded, const std::map<std::string, std::string>& restored,
                   const std::vector<FlavorOffer>& flavors, const RecreateOptions& options);

// A server Nova lists with the restore's tag.
struct TaggedServer {
    std::string id;
    std::string status;  // BUILD, ACTIVE, ERROR, ...
    std::string fault;   // fault.message, for ERROR
};

enum class ServerStep {
    boot,  // no tagged server: boot one
    wait,  // BUILD (or another transient status)
    done,  // ACTIVE, or another settled status (SHUTOFF, ...)
    fail,  // ERROR (with Nova's fault), or more than one tagged server
};

struct ServerDecision {
    ServerStep step = ServerStep::boot;
    std::string server_id;  // the tagged server, when there is one
    std::string reason;     // for fail
};

// tagged: the servers Nova lists carrying staffeln:restore=<this restore's id>. One tagged server
// is the restore's (made by this run or one before a crash): never is a second booted.
ServerDecision next_server_step(const std::vector<TaggedServer>& tagged);

const char* to_string(ServerStep step);

}  // namespace staffeln::core
