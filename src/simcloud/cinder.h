// Cinder v3 (microversions 3.0-3.70) as recorded: version documents, volumes, backups
// (list/show/create/delete with Cinder's validations, export/import), quota sets, limits.
#pragma once

#include "simcloud/http.h"

namespace staffeln::sim {

// segs are the path segments after "/volume".
Reply handle_cinder(Cloud& cloud, const Call& call) REQUIRES(cloud.mutex);

}  // namespace staffeln::sim
