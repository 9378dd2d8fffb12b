// Random identifiers shaped like OpenStack's: Keystone ids are 32 hex digits, Nova and
// Cinder ids are dashed UUIDs, request ids are "req-<uuid>". Thread-safe.
#pragma once

#include <string>

namespace staffeln::sim {

std::string new_uuid();
std::string new_hex_id();
std::string new_request_id();
std::string new_token();

}  // namespace staffeln::sim
