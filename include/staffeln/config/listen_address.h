// A HOST:PORT to listen on, as [conductor] metrics_listen takes it: a host name, an IPv4
// address, or an IPv6 address in brackets ("[::1]:9101"), then a port from 1 to 65535.
#pragma once

#include "staffeln/result.h"

#include <string>
#include <string_view>

namespace staffeln::config {

struct ListenAddress {
    std::string host;  // without the brackets of an IPv6 address
    int port = 0;
};

// Error (invalid_input) says what is missing or wrong in the text.
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace staffeln::config
