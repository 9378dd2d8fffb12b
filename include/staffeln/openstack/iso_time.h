// Timestamps as OpenStack writes them: "2026-11-22T03:49:35.000000" (Cinder, UTC without a
// zone), "2026-11-22T03:38:06Z" (Nova), "2026-11-22T04:37:56.000000Z" (Keystone) and with an
// offset ("+02:00"). Fractions are dropped; the result is UTC seconds.
#pragma once

#include "staffeln/model.h"

#include <optional>
#include <string_view>

namespace staffeln::openstack {

std::optional<TimePoint> parse_iso_time(std::string_view text);

}  // namespace staffeln::openstack
