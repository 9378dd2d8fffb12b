#include "staffeln/url_password.h"

namespace staffeln {

std::string redact_url(const std::string& url) {
    auto scheme = url.find("://");
    if (scheme == std::string::npos) return url;
    auto start = scheme + 3;
    // The user name runs to the first ':', the password from there to the URL's last '@': a
    // password may hold '/', '?', '#' or '@' unencoded, so none of them ends it. An '@' in a
    // path or query after "host:port" is masked too: masking too much beats showing a password.
    auto colon = url.find(':', start);
    if (colon == std::string::npos || url.find_first_of("/?#@", start) < colon) return url;
    auto at = url.rfind('@');
    if (at == std::string::npos || at < colon) return url;
    return url.substr(0, colon + 1) + "***" + url.substr(at);
}

}  // namespace staffeln
