#include "staffeln/core/flavor_match.h"

#include <fmt/format.h>

#include <algorithm>

namespace staffeln::core {
namespace {

bool same_size(const FlavorOffer& offer, const ServerFlavor& flavor) {
    return offer.vcpus == flavor.vcpus && offer.ram_mb == flavor.ram_mb && offer.disk_gb == flavor.disk_gb;
}

}  // namespace

FlavorChoice choose_flavor(const ServerFlavor& recorded, const std::vector<FlavorOffer>& flavors,
                           const std::string& wanted, FlavorIds ids) {
    auto by = [&](auto pred) -> std::optional<FlavorOffer> {
        auto it = std::find_if(flavors.begin(), flavors.end(), pred);
        return it == flavors.end() ? std::nullopt : std::optional<FlavorOffer>(*it);
    };
    FlavorChoice choice;
    if (!wanted.empty()) {
        choice.flavor = by([&](const FlavorOffer& f) { return f.id == wanted; });
        if (!choice.flavor) choice.flavor = by([&](const FlavorOffer& f) { return f.name == wanted; });
        if (!choice.flavor) choice.refusal = fmt::format("--flavor {}: no flavor with this ID or name", wanted);
        return choice;
    }
    if (ids == FlavorIds::match && !recorded.id.empty())
        if ((choice.flavor = by([&](const FlavorOffer& f) { return f.id == recorded.id; }))) return choice;
    if (!recorded.name.empty())
        if ((choice.flavor = by([&](const FlavorOffer& f) { return f.name == recorded.name; }))) return choice;
    if (recorded.vcpus > 0)
        if ((choice.flavor = by([&](const FlavorOffer& f) { return same_size(f, recorded); }))) {
            choice.note = fmt::format("flavor {} has the recorded flavor's vCPUs, RAM and disk ({} is gone)",
                                      choice.flavor->name, describe(recorded));
            return choice;
        }
    choice.refusal = fmt::format("the recorded flavor {} is not offered, nor one of its size; give one with --flavor",
                                 describe(recorded));
    return choice;
}

}  // namespace staffeln::core
