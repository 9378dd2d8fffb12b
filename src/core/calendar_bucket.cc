#include "staffeln/core/calendar_bucket.h"

#include <fmt/format.h>

namespace staffeln::core {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

year_month_day civil(std::int64_t day) { return year_month_day{sys_days{days{day}}}; }

// 1970-01-01 was a Thursday: Monday-first week w starts on day 7w - 3, its Thursday is day 7w.
constexpr std::int64_t kThursdayOffset = 3;

}  // namespace

Result<std::chrono::seconds> parse_utc_offset(std::string_view text) {
    if (text == "UTC") return std::chrono::seconds{0};
    auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
    bool shape = text.size() == 6 && (text[0] == '+' || text[0] == '-') && digit(1) && digit(2) && text[3] == ':' &&
                 digit(4) && digit(5);
    int hours = shape ? (text[1] - '0') * 10 + (text[2] - '0') : 0;
    int minutes = shape ? (text[4] - '0') * 10 + (text[5] - '0') : 0;
    if (!shape || minutes > 59 || hours * 60 + minutes > 14 * 60)
        return make_error(ErrorKind::invalid_input,
                          fmt::format("invalid timezone '{}' (expected UTC or a fixed offset from -14:00 to "
                                      "+14:00 such as +02:00)",
                                      text));
    std::chrono::seconds offset{(hours * 60 + minutes) * 60};
    return text[0] == '-' ? -offset : offset;
}

std::int64_t calendar_bucket(RuleKind kind, std::chrono::sys_seconds t, std::chrono::seconds offset) {
    std::int64_t day = floor_div((t.time_since_epoch() + offset).count(), 86400);
    switch (kind) {
        case RuleKind::daily:
            return day;
        case RuleKind::weekly:
            return floor_div(day + kThursdayOffset, 7);
        case RuleKind::monthly: {
            auto ymd = civil(day);
            return (std::int64_t{static_cast<int>(ymd.year())} - 1970) * 12 + static_cast<unsigned>(ymd.month()) - 1;
        }
        case RuleKind::yearly:
            return static_cast<int>(civil(day).year());
        case RuleKind::last:
            break;
    }
    return 0;
}

std::string bucket_label(RuleKind kind, std::int64_t bucket) {
    switch (kind) {
        case RuleKind::daily: {
            auto ymd = civil(bucket);
            return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                               static_cast<unsigned>(ymd.day()));
        }
        case RuleKind::weekly: {
            std::int64_t thursday = bucket * 7;
            int year = static_cast<int>(civil(thursday).year());
            std::int64_t jan1 = sys_days{std::chrono::year{year} / 1 / 1}.time_since_epoch().count();
            return fmt::format("{:04}-W{:02}", year, (thursday - jan1) / 7 + 1);
        }
        case RuleKind::monthly:
            return fmt::format("{:04}-{:02}", 1970 + floor_div(bucket, 12), bucket - floor_div(bucket, 12) * 12 + 1);
        case RuleKind::yearly:
            return fmt::format("{:04}", bucket);
        case RuleKind::last:
            break;
    }
    return fmt::format("{}", bucket);
}

}  // namespace staffeln::core
