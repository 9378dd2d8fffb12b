#include "staffeln/duration.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <limits>

namespace staffeln {
namespace {

struct Unit {
    std::string_view suffix;
    std::int64_t seconds;
};

// Order matters twice: parts must appear in this order, and "mon"/"min" must be tried
// before a shorter suffix could match their first letter.
constexpr std::array<Unit, 7> kUnits{{
    {"y", 365 * 86400},
    {"mon", 30 * 86400},
    {"w", 7 * 86400},
    {"d", 86400},
    {"h", 3600},
    {"min", 60},
    {"s", 1},
}};

Error bad(std::string_view text, std::string_view why) {
    return make_error(ErrorKind::invalid_input, fmt::format("invalid duration '{}': {} (expected e.g. 2w3d, 20min or "
                                                            "1y2mon10d5h30min10s)",
                                                            text, why));
}

}  // namespace

Result<std::chrono::seconds> parse_duration(std::string_view text) {
    if (text.empty()) return bad(text, "it is empty");
    std::int64_t total = 0;
    std::size_t pos = 0;
    std::size_t next_unit = 0;
    while (pos < text.size()) {
        if (!std::isdigit(static_cast<unsigned char>(text[pos])))
            return bad(text, fmt::format("a number must come before '{}'", text.substr(pos)));
        std::int64_t n = 0;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
            if (n > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return bad(text, "the number is too large");
            n = n * 10 + (text[pos++] - '0');
        }
        std::string_view rest = text.substr(pos);
        std::size_t u = next_unit;
        while (u < kUnits.size() && !rest.starts_with(kUnits[u].suffix)) ++u;
        if (u == kUnits.size()) {
            bool known = false;
            for (const auto& unit : kUnits) known = known || rest.starts_with(unit.suffix);
            if (rest.empty()) return bad(text, "the last number has no unit");
            return bad(text, known ? "units must appear in the order y, mon, w, d, h, min, s, each once"
                                   : fmt::format("unknown unit at '{}'", rest));
        }
        if (n > (std::numeric_limits<std::int64_t>::max() - total) / kUnits[u].seconds)
            return bad(text, "it is too long");
        total += n * kUnits[u].seconds;
        pos += kUnits[u].suffix.size();
        next_unit = u + 1;
    }
    return std::chrono::seconds(total);
}

std::string format_duration(std::chrono::seconds d) {
    std::int64_t left = d.count();
    if (left <= 0) return "0s";
    std::string out;
    for (const auto& unit : kUnits) {
        if (left >= unit.seconds) {
            out += fmt::format("{}{}", left / unit.seconds, unit.suffix);
            left %= unit.seconds;
        }
    }
    return out;
}

}  // namespace staffeln
