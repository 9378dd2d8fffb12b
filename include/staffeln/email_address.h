// The e-mail address check shared by the configuration ([notification] sender_email) and the
// reports (recipients): a pure function, so both layers use it from the core.
#pragma once

#include <string>

namespace staffeln {

// A bare "local@domain" address that can go into SMTP commands and headers as it is:
// printable ASCII, no spaces, angle brackets, commas or quotes, one '@' with text on both sides,
// within SMTP's lengths (a local part of 64 octets, 254 in all).
bool is_plain_address(const std::string& address);

}  // namespace staffeln
