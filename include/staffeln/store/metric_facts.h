// The store's side of a scrape (core/store_metrics.h): per volume its newest available automated
// backup, and the open tasks per project. Two grouped SELECTs; an Error names the store.
#pragma once

#include "staffeln/core/store_metrics.h"
#include "staffeln/result.h"
#include "staffeln/store/database.h"

namespace staffeln::store {

Result<core::StoreFacts> read_metric_facts(Database& db);

}  // namespace staffeln::store
