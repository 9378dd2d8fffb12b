// Keystone v3 as recorded: version documents, password/application-credential/token
// authentication (201 + X-Subject-Token), projects, users and role assignments.
#pragma once

#include "simcloud/http.h"

namespace staffeln::sim {

// segs are the path segments after "/identity".
Reply handle_keystone(Cloud& cloud, const Call& call) REQUIRES(cloud.mutex);

// The catalog a project-scoped token carries: identity, compute, volumev3 and block-storage.
json catalog(const Cloud& cloud, const std::string& base_url, const std::string& project_id) REQUIRES(cloud.mutex);

}  // namespace staffeln::sim
