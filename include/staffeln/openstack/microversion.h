// API microversions: reading a service's version document (GET on its root, as recorded from
// Cinder's 300 {"versions": [...]} and Nova's 200 {"version": {...}}) and choosing the highest
// version staffeln can use that the cloud offers.
#pragma once

#include "staffeln/result.h"

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace staffeln::openstack {

struct Microversion {
    int major = 0;
    int minor = 0;
    auto operator<=>(const Microversion&) const = default;
    std::string str() const { return std::to_string(major) + "." + std::to_string(minor); }
};

std::optional<Microversion> parse_microversion(std::string_view text);

struct VersionRange {
    Microversion min;
    Microversion max;  // {0,0}: the API has no microversions
};

// The range of the entry whose id starts with `version_id` ("v3", "v2.1").
Result<VersionRange> parse_version_document(const std::string& body, std::string_view version_id);

// The highest of `wanted` inside range, or nullopt when none is (then send no header).
std::optional<Microversion> choose_microversion(const VersionRange& range, const std::vector<Microversion>& wanted);

}  // namespace staffeln::openstack
