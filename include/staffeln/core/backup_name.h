// Names of the backups staffeln creates: "<instance name>_<volume name>_<unix time>", as
// upstream Staffeln names them. Each name part is cut to 100 characters and the whole to
// 255 (Cinder's limit, counted in characters like Cinder and upstream's Python slicing),
// never inside a multi-byte UTF-8 character. An unnamed volume (or server) gives its id.
#pragma once

#include "staffeln/model.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace staffeln::core {

inline constexpr std::size_t kMaxNamePartChars = 100;
inline constexpr std::size_t kMaxBackupNameChars = 255;

std::string backup_name(const Server& server, const Volume& volume, TimePoint now);

// The longest prefix of text holding at most max_chars characters. A byte that does not
// start a valid UTF-8 sequence counts as one character, so bad input still gets cut.
std::string_view utf8_prefix(std::string_view text, std::size_t max_chars);

}  // namespace staffeln::core
