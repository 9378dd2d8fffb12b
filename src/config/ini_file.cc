#include "staffeln/config/ini_file.h"

#include "staffeln/text_safety.h"

#include <fmt/format.h>

#include <sstream>

namespace staffeln::config {
namespace {

std::string_view trim(std::string_view s) {
    const char* ws = " \t\r";
    auto b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}

std::string unquote(std::string_view v) {
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
        return std::string(v.substr(1, v.size() - 2));
    return std::string(v);
}

}  // namespace

std::vector<std::string> parse_list(const std::string& value) {
    std::vector<std::string> items;
    std::stringstream in(value);
    std::string item;
    while (std::getline(in, item, ',')) {
        item.erase(0, item.find_first_not_of(" \t\n"));
        item.erase(item.find_last_not_of(" \t\n") + 1);
        if (item.size() >= 2 && (item.front() == '"' || item.front() == '\'') && item.back() == item.front())
            item = item.substr(1, item.size() - 2);
        if (!item.empty()) items.push_back(item);
    }
    return items;
}

std::string ini_value_text(std::string_view value) {
    if (auto nl = value.find('\n'); nl != std::string_view::npos) {
        std::string out = ini_value_text(value.substr(0, nl));
        for (char c : value.substr(nl)) out += c == '\n' ? std::string("\n    ") : std::string(1, c);
        return out;
    }
    const bool blank_at_end = !value.empty() && (trim(value).size() != value.size());
    const bool quoted =
        value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front();
    return blank_at_end || quoted ? fmt::format("\"{}\"", value) : std::string(value);
}

IniFile parse_ini(std::string_view text) {
    IniFile out;
    std::string section;
    int number = 0;
    bool can_continue = false;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++number;
        std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') {
            can_continue = false;
            continue;
        }
        if (can_continue && (raw.front() == ' ' || raw.front() == '\t')) {
            // As oslo.config's parser: a continuation line is appended trimmed, and only the first
            // line's quotes were removed, so every value read is one ini_value_text writes back.
            out.entries.back().value += "\n" + std::string(line);
            continue;
        }
        can_continue = false;
        if (line.front() == '[') {
            if (line.back() != ']' || line.size() < 3) {
                out.errors.push_back(fmt::format("{}: malformed section header (expected [name])", number));
                continue;
            }
            section = std::string(trim(line.substr(1, line.size() - 2)));
            out.sections.emplace_back(section, number);
            continue;
        }
        auto sep = line.find_first_of("=:");
        if (sep == std::string_view::npos || sep == 0) {
            out.errors.push_back(fmt::format("{}: malformed line (expected key = value)", number));
            continue;
        }
        if (section.empty()) {
            out.errors.push_back(fmt::format("{}: option '{}' comes before any [section] header", number,
                                             escape_control_chars(trim(line.substr(0, sep)))));
            continue;
        }
        out.entries.push_back(
            {section, std::string(trim(line.substr(0, sep))), unquote(trim(line.substr(sep + 1))), number});
        can_continue = true;
    }
    return out;
}

}  // namespace staffeln::config
