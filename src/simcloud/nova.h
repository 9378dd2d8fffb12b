// Nova 2.1 (microversions up to 2.93) as recorded: version documents, servers (list,
// detail, show; all_tenants for admins; limit/marker pages newest first) and server metadata.
#pragma once

#include "simcloud/http.h"

namespace staffeln::sim {

// segs are the path segments after "/compute".
Reply handle_nova(Cloud& cloud, const Call& call) REQUIRES(cloud.mutex);

}  // namespace staffeln::sim
