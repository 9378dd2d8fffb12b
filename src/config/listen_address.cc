#include "staffeln/config/listen_address.h"

#include <fmt/format.h>

#include <charconv>

namespace staffeln::config {

Result<ListenAddress> parse_listen_address(std::string_view text) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
        return make_error(ErrorKind::invalid_input, "expected HOST:PORT (e.g. 127.0.0.1:9101), found no ':'");
    std::string_view host = text.substr(0, colon);
    std::string_view port_text = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos) {
        return make_error(ErrorKind::invalid_input, "an IPv6 address goes in brackets: [::1]:9101");
    }
    if (host.empty()) return make_error(ErrorKind::invalid_input, "expected HOST:PORT, the host is empty");
    for (char c : host)
        if (static_cast<unsigned char>(c) <= 0x20 || c == '[' || c == ']' || c == '/' || c >= 0x7f)
            return make_error(ErrorKind::invalid_input, fmt::format("'{}' is not a host name or address", host));
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535)
        return make_error(ErrorKind::invalid_input,
                          fmt::format("port '{}' is not a number from 1 to 65535", port_text));
    return ListenAddress{std::string(host), port};
}

}  // namespace staffeln::config
