// The store's side of a scrape (core/store_metrics.h): per volume its newest available automated
// backup, the protected volumes without one, the open tasks per project and the restores per
// project and status. Four SELECTs; an Error names the store.
#pragma once

#include "staffeln/core/store_metrics.h"
#include "staffeln/result.h"
#include "staffeln/store/database.h"

namespace staffeln::store {

Result<core::StoreFacts> read_metric_facts(Database& db);

}  // namespace staffeln::store
