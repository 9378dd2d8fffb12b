// Masks the password of a URL wherever one is shown (config show, errors, logs): from the first
// ':' after "://" to the URL's last '@', since a password may hold '/', '?', '#' or '@'
// unencoded. Masking too much (an '@' in a later path or query) beats showing a password.
#pragma once

#include <string>

namespace staffeln {

// "mysql://root:pw@host/db" -> "mysql://root:***@host/db", "etcd3+http://u:p/@w@h:2379" ->
// "etcd3+http://u:***@h:2379". Without an '@', a ':' after "://" not followed by a port
// ("mysql://root:pw/db", the host left out) masks all after it; "host:port" is unchanged.
std::string redact_url(const std::string& url);

}  // namespace staffeln
