#include "simcloud/ids.h"

#include <cstdint>
#include <random>

namespace staffeln::sim {
namespace {

std::uint64_t next_random() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return engine();
}

std::string hex(int digits) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(static_cast<size_t>(digits));
    std::uint64_t bits = 0;
    for (int i = 0; i < digits; ++i) {
        if (i % 16 == 0) bits = next_random();
        out.push_back(kDigits[bits & 0xF]);
        bits >>= 4;
    }
    return out;
}

}  // namespace

std::string new_uuid() {
    std::string h = hex(32);
    h[12] = '4';
    h[16] = "89ab"[h[16] % 4];
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

std::string new_hex_id() { return hex(32); }

std::string new_request_id() { return "req-" + new_uuid(); }

std::string new_token() {
    static constexpr char kUrlSafe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out = "gAAAAAB";
    std::uint64_t bits = 0;
    for (int i = 0; i < 176; ++i) {
        if (i % 10 == 0) bits = next_random();
        out.push_back(kUrlSafe[bits & 0x3F]);
        bits >>= 6;
    }
    return out;
}

}  // namespace staffeln::sim
