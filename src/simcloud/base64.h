// Standard base64 (with padding), as Cinder's export_record encodes its backup_url.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace staffeln::sim {

std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view text);  // nullopt when not base64

}  // namespace staffeln::sim
