// Reading an operator's override from a server's metadata: the value under a configurable key,
// where an empty key means the operator turned the override off, and the ASCII lower-casing
// upstream applies to such values before parsing them (durations, units).
#pragma once

#include "staffeln/model.h"

#include <string>

namespace staffeln::core {

// The server's value for key; nullptr when the key is empty (no override configured) or absent.
const std::string* server_metadata_value(const Server& server, const std::string& key);

// text with A-Z turned into a-z; other bytes (UTF-8 included) unchanged.
std::string ascii_lower(std::string text);

}  // namespace staffeln::core
