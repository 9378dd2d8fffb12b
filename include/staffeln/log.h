// One line per event: "2026-11-22T04:22:40.123Z INFO conductor: message".
// Thread-safe; writes to stderr (journald adds its own stamp, ours stays for files)
// or to the file set by log::to_file. Callers never pass secrets: use log::redact.
// Control characters in a message are escaped (text_safety.h): a message never spans lines.
#pragma once

#include "staffeln/result.h"

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace staffeln::log {

enum class Level { debug, info, warning, error };

void set_level(Level level);
bool enabled(Level level);
// Appends to path (created 0600). When it cannot open it, says why and keeps the current destination.
Status to_file(const std::string& path);
void write(Level level, std::string_view component, std::string_view message);

// Replaces a secret with a fixed mask so that its length does not leak either.
std::string redact(std::string_view secret);

template <class... Args>
void debug(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::debug)) write(Level::debug, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::info)) write(Level::info, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warning(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    write(Level::warning, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    write(Level::error, component, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace staffeln::log
