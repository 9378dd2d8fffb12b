// Reads oslo.config INI text: "[section]" headers, "key = value" (or "key: value") lines,
// "#" and ";" comment lines, indented continuation lines (each appended trimmed, after a
// newline), values optionally wrapped in one pair of double or single quotes on their first line
// (as oslo.config reads them: quotes around several lines stay). Every problem is collected
// with its line number; a line that cannot be read is never quoted (it may hold a secret), only
// its key when it has one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace staffeln::config {

struct IniEntry {
    std::string section;
    std::string key;
    std::string value;
    int line = 0;
};

struct IniFile {
    std::vector<IniEntry> entries;
    std::vector<std::pair<std::string, int>> sections;  // each header and its line
    std::vector<std::string> errors;                    // "LINE: what is wrong", printable
};

IniFile parse_ini(std::string_view text);
// What to write after "key = " so that parse_ini reads value back: the value itself, or wrapped
// in double quotes when it has a blank at either end or is itself wrapped in a pair of quotes
// (parse_ini trims and unwraps one pair). A value of several lines is its first line so written,
// then each further line on an indented continuation line. Every value parse_ini reads comes
// back the same; so does any other whose lines after the first are non-empty, have no blank at
// either end and do not start with '#' or ';' (the INI grammar has no way to write those).
std::string ini_value_text(std::string_view value);
// A list value: comma-separated items, each trimmed and unwrapped of one pair of quotes;
// empty items are dropped.
std::vector<std::string> parse_list(const std::string& value);

}  // namespace staffeln::config
