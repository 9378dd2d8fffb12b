#include "staffeln/url_password.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace staffeln {
namespace {

// True when text (what follows a host's ':') starts with a port: digits up to the host's end.
bool starts_with_port(std::string_view text) {
    auto end = std::min(text.find_first_of("/?#,"), text.size());
    return end > 0 && std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(end),
                                  [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace

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
    if (at != std::string::npos && at > colon) return url.substr(0, colon + 1) + "***" + url.substr(at);
    // No '@': the ':' is a port's (after an IPv6 literal's ']'), unless no port follows it; then it
    // may be user:password written without "@host", and all after the ':' is masked.
    if (url[start] == '[') {
        auto bracket = url.find(']', start);
        if (bracket == std::string::npos) return url.substr(0, start) + "***";
        colon = url.find(':', bracket);
        if (colon == std::string::npos || url.find_first_of("/?#", bracket) < colon) return url;
    }
    if (starts_with_port(std::string_view(url).substr(colon + 1))) return url;
    return url.substr(0, colon + 1) + "***";
}

}  // namespace staffeln
