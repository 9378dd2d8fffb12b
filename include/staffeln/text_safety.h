// Text from outside (the cloud's names, Cinder's reasons, requests) as it may be written to a
// log line or a terminal: one line, no control codes. Control characters become visible escapes
// (\n \r \t, \x1b for other C0 and DEL, \u0085 for C1, \u2028 and \u2029 for the line
// separators), a byte that is not UTF-8 becomes \xNN; everything else is kept. Pure.
#pragma once

#include <string>
#include <string_view>

namespace staffeln {

std::string escape_control_chars(std::string_view text);

// The same, appended to out: the logger builds its line in one string.
void append_escaped(std::string& out, std::string_view text);

}  // namespace staffeln
