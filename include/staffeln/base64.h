// Standard base64 (RFC 4648, with padding, no line breaks): etcd's gateway carries keys and
// values in it, and Cinder's export records carry the backup's description (backup_url) in it.
// base64_decode refuses, with nullopt, text that is not whole padded base64.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace staffeln {

std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace staffeln
