#include "staffeln/report/templates.h"

#include "staffeln/regular_file.h"
#include "staffeln/report_templates.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace staffeln::report {
namespace {

struct Tag {
    char sigil;  // '#', '^', '/', '!', '>', '=', '{', '&', or 0 for a plain variable
    std::string name;
    std::size_t end;  // just past the closing braces
};

std::string trim(std::string_view s) {
    auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    return std::string(s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1));
}

int line_of(std::string_view text, std::size_t at) {
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

Error malformed(std::string_view text, std::string_view origin, std::size_t at, const std::string& why) {
    return make_error(ErrorKind::invalid_input,
                      fmt::format("report template {}:{}: {}", origin, line_of(text, at), why));
}

// Reads the tag opening at `open` ("{{"); an unterminated one has end == npos.
Tag read_tag(std::string_view text, std::size_t open) {
    bool triple = text.substr(open, 3) == "{{{";
    auto close = text.find(triple ? "}}}" : "}}", open + (triple ? 3 : 2));
    if (close == std::string_view::npos) return {0, {}, std::string_view::npos};
    auto inner = text.substr(open + (triple ? 3 : 2), close - open - (triple ? 3 : 2));
    auto end = close + (triple ? 3 : 2);
    if (triple) return {'{', trim(inner), end};
    if (!inner.empty() && std::string_view("#^/!>=&").find(inner.front()) != std::string_view::npos)
        return {inner.front(), trim(inner.substr(1)), end};
    return {0, trim(inner), end};
}

Status check_tag(const Tag& tag, std::vector<std::string>& open_sections, std::string_view text,
                 std::string_view origin, std::size_t at, Markup markup) {
    switch (tag.sigil) {
        case '#':
        case '^':
            open_sections.push_back(tag.name);
            return {};
        case '/':
            if (open_sections.empty() || open_sections.back() != tag.name)
                return malformed(text, origin, at,
                                 open_sections.empty()
                                     ? fmt::format("{{{{/{}}}}} closes a section that was never opened", tag.name)
                                     : fmt::format("{{{{/{}}}}} closes section '{}'", tag.name, open_sections.back()));
            open_sections.pop_back();
            return {};
        case '>':
            return malformed(text, origin, at, fmt::format("partials ({{{{>{}}}}}) are not supported", tag.name));
        case '=':
            return malformed(text, origin, at, "changing the delimiters is not supported");
        case '{':
        case '&':
            if (markup == Markup::html)
                return malformed(text, origin, at,
                                 fmt::format("unescaped tag for '{}' would insert cloud values as HTML; use "
                                             "{{{{{}}}}}",
                                             tag.name, tag.name));
            return {};
        default:
            return {};
    }
}

Result<std::string> read_template_file(const std::string& path) {
    auto text = read_regular_file(path, "report template");
    if (!text) return text.error().context("[notification] template_file");
    return text;
}

}  // namespace

Status validate_template(std::string_view text, std::string_view origin, Markup markup) {
    if (trim(text).empty())
        return make_error(ErrorKind::invalid_input, fmt::format("report template {} is empty", origin));
    std::vector<std::string> open_sections;
    for (auto at = text.find("{{"); at != std::string_view::npos; at = text.find("{{", at)) {
        auto tag = read_tag(text, at);
        if (tag.end == std::string_view::npos) return malformed(text, origin, at, "tag opened with {{ is never closed");
        if (auto ok = check_tag(tag, open_sections, text, origin, at, markup); !ok) return ok;
        at = tag.end;
    }
    if (!open_sections.empty())
        return make_error(ErrorKind::invalid_input, fmt::format("report template {}: section '{}' is never closed",
                                                                origin, open_sections.back()));
    return {};
}

Result<Templates> load_templates(const std::string& template_file) {
    Templates templates{std::string(kDefaultHtmlTemplate), std::string(kDefaultTextTemplate)};
    if (!template_file.empty()) {
        auto html = read_template_file(template_file);
        if (!html) return html.error();
        templates.html = std::move(*html);
    }
    auto origin = template_file.empty() ? std::string("(built-in report.html.mustache)") : template_file;
    if (auto ok = validate_template(templates.html, origin, Markup::html); !ok) return ok.error();
    if (auto ok = validate_template(templates.text, "(built-in report.txt.mustache)", Markup::text); !ok)
        return ok.error();
    return templates;
}

}  // namespace staffeln::report
