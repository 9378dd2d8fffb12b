// A server's definition as staffeln records it with the server's backups (docs/restore.md#the-
// server-definition): name, flavor, image, zone, key, metadata without staffeln's own keys,
// security groups, addresses, and each volume's attachment in boot order. Made from the
// listing the backup cycle reads anyway (no request of its own); what Nova showed badly is
// left out with a warning naming the server and the field.
#pragma once

#include "staffeln/model.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace staffeln::core {

// How a volume was attached. Nova does not show boot indexes: the volume at the server's root
// device (or, when Nova does not show that, the first by device name) of a server booted from
// a volume is boot index 0; the others -1 (not bootable).
struct AttachmentDefinition {
    std::string volume_id;
    std::string device;  // Cinder's attachment device, e.g. /dev/vdb; "" when not shown
    int boot_index = -1;
    bool delete_on_termination = false;
    bool operator==(const AttachmentDefinition&) const = default;
};

struct ServerDefinition {
    std::string server_id;
    std::string name;
    std::string project_id;
    ServerFlavor flavor;
    std::string image_id;  // "" when booted from a volume
    std::string availability_zone;
    std::string key_name;
    Metadata metadata;  // without staffeln's own keys
    std::vector<std::string> security_groups;
    std::vector<ServerAddress> addresses;
    std::vector<AttachmentDefinition> volumes;  // the boot volume first, then by device name
    bool operator==(const ServerDefinition&) const = default;
};

struct DefinedServer {
    ServerDefinition definition;
    std::vector<std::string> warnings;  // one per field Nova showed badly, naming server and field
};

// devices: each attached volume's device, by volume id (the cycle's volume listing).
// stamp_key: [conductor] last_backup_metadata_key, which staffeln writes itself; it and every
// key starting "staffeln:" (a restore's tags) are left out of the metadata.
DefinedServer define_server(const Server& server, const std::unordered_map<std::string, std::string>& devices,
                            std::string_view stamp_key);

// The flavor in one line: "m1.small (2 vCPUs, 2048 MiB RAM, 20 GiB disk)", or its id alone
// when Nova showed no more (below compute 2.47).
std::string describe(const ServerFlavor& flavor);

}  // namespace staffeln::core
