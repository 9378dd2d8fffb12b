// Percent-decoding (RFC 3986 "%XX") of the URLs staffeln is given: etcd's query values, the user
// and password of upstream's database URL, the API's query string. '+' stays itself, as in a path.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace staffeln {

// The value of a hexadecimal digit (either case), or -1 for any other character.
int hex_digit_value(char c);
// The decoded text, or nullopt when a '%' is not followed by two hexadecimal digits: the caller
// names the field, never the text (it may be a password).
std::optional<std::string> percent_decoded(std::string_view text);

}  // namespace staffeln
