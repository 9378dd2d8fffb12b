// Turns an HTTP error answer (status >= 400) from Keystone, Nova or Cinder into a typed Error:
// the kind from the status (and, for Cinder's 400s about state, conflict), the service's own
// message from its fault body ({"badRequest": {"message": ...}}, Keystone's {"error": {...}}),
// the status and X-OpenStack-Request-Id.
#pragma once

#include "staffeln/net/http_transport.h"
#include "staffeln/result.h"

#include <string>

namespace staffeln::openstack {

// The message a service put in its fault body, or the body's start when it is not one.
std::string fault_message(const std::string& body);

Error error_from_response(const net::HttpRequest& request, const net::HttpResponse& response);

}  // namespace staffeln::openstack
