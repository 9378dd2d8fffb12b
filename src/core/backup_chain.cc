#include "staffeln/core/backup_chain.h"

#include <tuple>

namespace staffeln::core {

bool comes_before(const ChainNode& a, const ChainNode& b) {
    return std::tie(a.data_timestamp, a.created_at, a.id) < std::tie(b.data_timestamp, b.created_at, b.id);
}

bool can_be_parent(std::string_view status) { return status != "error" && status != "creating"; }

bool counts_as_available(std::string_view status) { return status == "available" || status == "restoring"; }

std::vector<std::size_t> infer_parents(std::span<const ChainNode> ordered) {
    std::vector<std::size_t> parent(ordered.size(), kNoParent);
    std::size_t last_candidate = kNoParent;
    for (std::size_t i = 0; i < ordered.size(); ++i) {
        if (ordered[i].is_incremental) parent[i] = last_candidate;
        if (ordered[i].can_be_parent) last_candidate = i;
    }
    return parent;
}

}  // namespace staffeln::core
