// Text from outside (the cloud's names, Cinder's reasons, requests) as it may be written to a
// log line or a terminal: one line, no control codes. Control characters become visible escapes
// (\n \r \t, \x1b for other C0 and DEL, \u0085 for C1, \u2028 and \u2029 for the line
// separators), a byte that is not UTF-8 becomes \xNN; everything else is kept. Pure.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace staffeln {

std::string escape_control_chars(std::string_view text);

// The same, appended to out: the logger builds its line in one string.
void append_escaped(std::string& out, std::string_view text);

// Writes line, escaped, and a newline to out: the console's counterpart of the log sink, so a
// message printed for a person is one line whatever outside text it carries.
void print_line(std::FILE* out, std::string_view line);

}  // namespace staffeln
