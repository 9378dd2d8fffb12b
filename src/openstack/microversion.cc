#include "staffeln/openstack/microversion.h"

#include "staffeln/openstack/json_fields.h"

#include <charconv>

namespace staffeln::openstack {
namespace {

VersionRange range_of(const Json& entry) {
    VersionRange range;
    if (auto max = parse_microversion(optional_string(entry, "version"))) range.max = *max;
    if (auto min = parse_microversion(optional_string(entry, "min_version"))) range.min = *min;
    return range;
}

}  // namespace

std::optional<Microversion> parse_microversion(std::string_view text) {
    Microversion v;
    const char* end = text.data() + text.size();
    auto [dot, ec] = std::from_chars(text.data(), end, v.major);
    if (ec != std::errc() || dot == end || *dot != '.') return std::nullopt;
    auto [last, ec2] = std::from_chars(dot + 1, end, v.minor);
    if (ec2 != std::errc() || last != end) return std::nullopt;
    return v;
}

Result<VersionRange> parse_version_document(const std::string& body, std::string_view version_id) {
    return parse_response("version discovery", body, [&](const Json& doc) -> Result<VersionRange> {
        if (doc.contains("version")) return range_of(object_field(doc, "version"));
        for (const Json& entry : array_field(doc, "versions"))
            if (string_field(entry, "id").starts_with(version_id)) return range_of(entry);
        return make_error(ErrorKind::not_found,
                          fmt::format("version discovery: no API version {} in the version document", version_id));
    });
}

std::optional<Microversion> choose_microversion(const VersionRange& range, const std::vector<Microversion>& wanted) {
    std::optional<Microversion> best;
    for (const auto& v : wanted)
        if (range.min <= v && v <= range.max && (!best || *best < v)) best = v;
    return best;
}

}  // namespace staffeln::openstack
