#include "staffeln/email_address.h"

#include <algorithm>
#include <string_view>

namespace staffeln {
namespace {

constexpr std::string_view kForbidden = " \t\r\n<>,;:\"()[]\\";
// RFC 5321 4.5.3.1: a local part of at most 64 octets, a domain of at most 255, and a path
// ("<" address ">") of at most 256, so at most 254 in all. A longer address no server need take,
// and the bound keeps each address's header line far within RFC 5322's 998 characters.
constexpr std::size_t kLocalPartMax = 64;
constexpr std::size_t kAddressMax = 254;

}  // namespace

bool is_plain_address(const std::string& address) {
    auto at = address.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == address.size()) return false;
    if (at > kLocalPartMax || address.size() > kAddressMax) return false;
    if (address.find('@', at + 1) != std::string::npos) return false;
    return std::all_of(address.begin(), address.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f && kForbidden.find(c) == std::string_view::npos;
    });
}

}  // namespace staffeln
