#include "staffeln/core/server_metadata.h"

#include <algorithm>
#include <cctype>

namespace staffeln::core {

const std::string* server_metadata_value(const Server& server, const std::string& key) {
    if (key.empty()) return nullptr;
    auto it = server.metadata.find(key);
    return it == server.metadata.end() ? nullptr : &it->second;
}

std::string ascii_lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

}  // namespace staffeln::core
