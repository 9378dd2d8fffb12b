// Reads oslo.config INI text: "[section]" headers, "key = value" (or "key: value") lines,
// "#" and ";" comment lines, indented continuation lines, values optionally wrapped in one
// pair of double or single quotes. Every problem is collected with its line number; a line
// that cannot be read is never quoted (it may hold a secret), only its key when it has one.
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
// (parse_ini trims and unwraps one pair). A value of several lines is written one line after
// another on indented continuation lines (what parse_ini reads back as it was when each line after
// the first is non-empty, has no blank at either end and does not start with '#' or ';').
std::string ini_value_text(std::string_view value);
// A list value: comma-separated items, each trimmed and unwrapped of one pair of quotes;
// empty items are dropped.
std::vector<std::string> parse_list(const std::string& value);

}  // namespace staffeln::config
