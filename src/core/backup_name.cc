#include "staffeln/core/backup_name.h"

#include <fmt/format.h>

namespace staffeln::core {
namespace {

// Length in bytes of the UTF-8 sequence starting at text[at], or 1 when it is not valid.
std::size_t sequence_length(std::string_view text, std::size_t at) {
    auto lead = static_cast<unsigned char>(text[at]);
    std::size_t n = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || at + n > text.size()) return 1;
    for (std::size_t i = 1; i < n; ++i)
        if ((static_cast<unsigned char>(text[at + i]) >> 6) != 0x2) return 1;
    return n;
}

}  // namespace

std::string_view utf8_prefix(std::string_view text, std::size_t max_chars) {
    std::size_t at = 0;
    for (std::size_t chars = 0; chars < max_chars && at < text.size(); ++chars) at += sequence_length(text, at);
    return text.substr(0, at);
}

std::string backup_name(const Server& server, const Volume& volume, TimePoint now) {
    std::string_view instance = server.name.empty() ? server.id : server.name;
    std::string_view disk = volume.name.empty() ? volume.id : volume.name;
    auto whole = fmt::format("{}_{}_{}", utf8_prefix(instance, kMaxNamePartChars), utf8_prefix(disk, kMaxNamePartChars),
                             now.time_since_epoch().count());
    return std::string(utf8_prefix(whole, kMaxBackupNameChars));
}

}  // namespace staffeln::core
