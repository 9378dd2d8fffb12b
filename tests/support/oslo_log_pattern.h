// kolla-ansible's fluentd patterns for oslo.log files (ansible/roles/fluentd/templates/conf/input/
// 00-global.conf.j2), as they are: format_firstline starts a record, format1 splits it into
// fields. Ruby's named groups are turned into numbered ones for std::regex, names kept in order.
#pragma once

#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace staffeln::testing {

constexpr std::string_view kKollaFirstLine = R"(^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}.\d{3} \d+ \S+ \S+ \[.*\])";
constexpr std::string_view kKollaFormat =
    R"(^(?<Timestamp>\S+ \S+) (?<Pid>\d+) (?<log_level>\S+) (?<python_module>\S+) ((?:\[)(?:None|req-)(?<global_request_id>\S+)? (?:None|req-)(?<request_id>\S+) (?<user_id>\S+) (?<tenant_id>\S+) (?<domain_id>\S+) (?<system_scope>\S+) (?<user_domain>\S+) (?<project_domain>\S+)(?:\]))?(?<Payload>.*)?$)";

// The fields of line as fluentd would record them, or nothing when either pattern fails it.
inline std::optional<std::map<std::string, std::string>> kolla_fields(const std::string& line) {
    std::string pattern;
    std::vector<std::string> names;  // "" for an unnamed capturing group
    const std::string_view ruby = kKollaFormat;
    for (std::size_t i = 0; i < ruby.size(); ++i) {
        if (ruby[i] == '\\') {
            pattern += ruby.substr(i, 2);
            ++i;
            continue;
        }
        pattern += ruby[i];
        if (ruby[i] != '(') continue;
        if (ruby.substr(i + 1, 2) == "?<" && ruby[i + 3] != '=' && ruby[i + 3] != '!') {
            auto end = ruby.find('>', i);
            names.emplace_back(ruby.substr(i + 3, end - i - 3));
            i = end;
        } else if (ruby[i + 1] != '?') {
            names.emplace_back();
        }
    }
    if (!std::regex_search(line, std::regex(std::string(kKollaFirstLine)))) return std::nullopt;
    std::smatch match;
    if (!std::regex_match(line, match, std::regex(pattern))) return std::nullopt;
    std::map<std::string, std::string> fields;
    for (std::size_t g = 0; g < names.size(); ++g)
        if (!names[g].empty() && match[g + 1].matched) fields[names[g]] = match[g + 1].str();
    return fields;
}

}  // namespace staffeln::testing
