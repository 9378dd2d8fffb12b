#include "staffeln/api/policy_answer.h"

#include "staffeln/percent_decoding.h"

#include <fmt/format.h>

namespace staffeln::api {
namespace {

constexpr std::string_view kKey = "backup_id";
constexpr std::string_view kUsage = "expected /v1/backup?backup_id=<backup id>";

// %XX decoding; anything that is not a valid escape stays as it is.
std::string leniently_percent_decoded(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex_digit_value(text[i + 1]) >= 0 &&
            hex_digit_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit_value(text[i + 1]) * 16 + hex_digit_value(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

}  // namespace

Result<std::string> backup_id_of(std::string_view target) {
    auto mark = target.find('?');
    std::string_view query = mark == std::string_view::npos ? std::string_view{} : target.substr(mark + 1);
    int seen = 0;
    std::string id;
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        auto eq = pair.find('=');
        if (leniently_percent_decoded(pair.substr(0, eq)) != kKey) continue;
        ++seen;
        id = eq == std::string_view::npos ? std::string{} : leniently_percent_decoded(pair.substr(eq + 1));
    }
    if (seen == 0) return make_error(ErrorKind::invalid_input, fmt::format("missing backup_id: {}", kUsage));
    if (seen > 1)
        return make_error(ErrorKind::invalid_input, fmt::format("backup_id given {} times: give it once", seen));
    if (id.empty()) return make_error(ErrorKind::invalid_input, fmt::format("empty backup_id: {}", kUsage));
    return id;
}

Reply verdict_reply(Verdict verdict) {
    if (verdict == Verdict::allow) return {200, "True"};
    return {200, "False"};
}

Reply health_reply(AnswerSource source, const Status& store) {
    if (store.ok() || source == AnswerSource::cinder) return {200, fmt::format("True; mode: {}", to_string(source))};
    return {503, fmt::format("store unavailable: {}", store.error().message)};
}

}  // namespace staffeln::api
