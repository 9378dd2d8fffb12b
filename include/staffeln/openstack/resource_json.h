// How one Nova server, Cinder volume, backup or snapshot is read out of OpenStack's JSON, and
// which of its fields a listing page keeps (json_fields.h's ItemFields): one place shared by the
// calls that list and show them, and by the fuzzing harness that feeds them untrusted pages.
// The parsers throw FieldError (json_fields.h) for a missing or mistyped field; parse_response
// turns that into an error naming the call.
#pragma once

#include "staffeln/model.h"
#include "staffeln/openstack/json_fields.h"

#include <string_view>

namespace staffeln::openstack {

// Of each item of a page's array, the fields the parser below reads.
extern const ItemFields kVolumeItems;    // "volumes" (with volume_type)
extern const ItemFields kBackupItems;    // "backups"
extern const ItemFields kSnapshotItems;  // "snapshots"
extern const ItemFields kServerItems;    // "servers"

Volume parse_volume(const Json& v);
Backup parse_backup(const Json& b);
Snapshot parse_snapshot(const Json& s);
Server parse_server(const Json& s);

}  // namespace staffeln::openstack
