#include "staffeln/api/metrics_page.h"

#include "staffeln/core/store_metrics.h"
#include "staffeln/log.h"
#include "staffeln/metrics.h"
#include "staffeln/store/metric_facts.h"

namespace staffeln::api {
namespace {

// A scrape waits this long for a writer (the conductor's transaction) before reporting the store down.
constexpr int kBusyTimeoutMs = 2000;

Result<core::StoreFacts> read_store(const std::filesystem::path& path) {
    auto db = store::Database::open(path, store::Access::read_only, store::Create::never);
    if (!db) return db.error();
    db->sql().setBusyTimeout(kBusyTimeoutMs);
    return store::read_metric_facts(*db);
}

}  // namespace

std::string metrics_page(const std::filesystem::path& store) {
    auto families = metrics::process_registry().families();
    if (!store.empty()) {
        auto facts = read_store(store);
        if (!facts) log::warning("metrics", "store metrics not shown: {}", facts.error().message);
        auto from_store = core::store_metric_families(facts ? std::optional(std::move(*facts)) : std::nullopt);
        families.insert(families.end(), std::make_move_iterator(from_store.begin()),
                        std::make_move_iterator(from_store.end()));
    }
    return core::render_metrics(families);
}

}  // namespace staffeln::api
