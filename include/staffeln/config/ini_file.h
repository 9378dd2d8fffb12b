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
// A list value: comma-separated items, each trimmed and unwrapped of one pair of quotes;
// empty items are dropped.
std::vector<std::string> parse_list(const std::string& value);

}  // namespace staffeln::config
