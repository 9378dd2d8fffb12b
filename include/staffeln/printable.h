// Outside text (file content, file names) made safe to print on a terminal or in a log line:
// control characters and DEL become \xNN, so an escape sequence cannot act and a line cannot
// be split. Everything else, UTF-8 included, is kept.
#pragma once

#include <string>
#include <string_view>

namespace staffeln {

std::string printable(std::string_view text);

}  // namespace staffeln
