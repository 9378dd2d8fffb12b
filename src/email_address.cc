#include "staffeln/email_address.h"

#include <algorithm>
#include <string_view>

namespace staffeln {
namespace {

constexpr std::string_view kForbidden = " \t\r\n<>,;:\"()[]\\";

}  // namespace

bool is_plain_address(const std::string& address) {
    auto at = address.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == address.size()) return false;
    if (address.find('@', at + 1) != std::string::npos) return false;
    return std::all_of(address.begin(), address.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f && kForbidden.find(c) == std::string_view::npos;
    });
}

}  // namespace staffeln
