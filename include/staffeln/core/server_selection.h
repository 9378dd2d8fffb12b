// Which servers staffeln backs up: those whose backup metadata key is "true" in any letter
// case, or every server when no key is configured. The conductor and retention (safety
// floor, per-server retention) both ask this one function.
#pragma once

#include "staffeln/model.h"

#include <optional>
#include <string>
#include <string_view>

namespace staffeln::core {

bool server_wants_backup(const Server& server, const std::optional<std::string>& backup_metadata_key);

// True when value is "true" in any letter case (Nova metadata values are free text).
bool is_true_flag(std::string_view value);

}  // namespace staffeln::core
