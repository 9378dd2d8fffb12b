// Random version-4 UUIDs as task ids: unique across processes and nodes without coordination.
#pragma once

#include <string>

namespace staffeln::conductor {

std::string new_task_id();

}  // namespace staffeln::conductor
