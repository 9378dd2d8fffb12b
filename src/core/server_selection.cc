#include "staffeln/core/server_selection.h"

#include <cctype>

namespace staffeln::core {

bool is_true_flag(std::string_view value) {
    constexpr std::string_view kTrue = "true";
    if (value.size() != kTrue.size()) return false;
    for (std::size_t i = 0; i < value.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(value[i])) != kTrue[i]) return false;
    return true;
}

bool server_wants_backup(const Server& server, const std::optional<std::string>& backup_metadata_key) {
    if (!backup_metadata_key) return true;
    auto it = server.metadata.find(*backup_metadata_key);
    return it != server.metadata.end() && is_true_flag(it->second);
}

}  // namespace staffeln::core
