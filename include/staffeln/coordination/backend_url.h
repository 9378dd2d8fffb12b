// [coordination] backend_url as tooz writes it, checked before any I/O (at the configuration's
// load): empty (file locks beside the database), "file:///dir" or an etcd3 URL (etcd_url.h).
#pragma once

#include <string>
#include <string_view>

namespace staffeln::coordination {

constexpr std::string_view kFileScheme = "file://";

// Why backend_url is unusable, naming its scheme but never the URL (it may carry a
// password), or "" when it is usable.
std::string backend_url_problem(const std::string& backend_url);

}  // namespace staffeln::coordination
