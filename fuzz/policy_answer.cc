// The API's answer to a framed request (api/policy_answer.h, api/backup_verdict.h), on any bytes:
// a request that frames whole (api/request_framing.h) has its target taken from its request line,
// as httplib does, and other bytes are taken as a target themselves. The first byte picks what
// the store and Cinder would say. What must hold for every target:
// - backup_id_of never throws; an error is invalid_input, one printable line that does not echo
//   the request; an id is never empty;
// - the id reads back the same from a canonical target that percent-encodes it, and other
//   parameters around it change nothing, while a second backup_id is refused;
// - fail closed: the answer is 200 and exactly "True" or "False", "True" only when the store
//   knows the id as not automated or does not know it and Cinder (if asked) does not say
//   staffeln's or cannot say; Cinder is asked only for an id it can have issued;
// - /v1/health is 200 "True; mode: ..." unless the store it needs fails, then 503, printable.
#include "fuzz_check.h"
#include "staffeln/api/backup_verdict.h"
#include "staffeln/api/policy_answer.h"
#include "staffeln/api/request_framing.h"

#include <cctype>
#include <cstdint>
#include <string>

using namespace staffeln;
using staffeln::fuzz::check;
using staffeln::fuzz::printable;

namespace {

const api::FramingLimits kLimits{8192, 16384, 65536};

// The target of a whole request: the request line's second field.
std::string_view target_of(std::string_view request) {
    auto line = request.substr(0, request.find("\r\n"));
    auto first = line.find(' ');
    if (first == std::string_view::npos) return {};
    auto rest = line.substr(first + 1);
    return rest.substr(0, rest.find(' '));
}

std::string percent_encoded(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

bool cinder_could_issue(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    for (unsigned char c : id)
        if (!std::isalnum(c) && c != '-') return false;
    return true;
}

Result<bool> store_answer(std::uint8_t pick) {
    switch (pick % 3) {
        case 0:
            return false;
        case 1:
            return true;
        default:
            return make_error(ErrorKind::io, "database is locked");
    }
}

void check_error(const Error& error) {
    check(error.kind == ErrorKind::invalid_input, "a bad target is invalid_input");
    check(printable(error.message) && error.message.find('\n') == std::string::npos,
          "a bad target's error is one printable line");
    check(error.message.size() < 80, "a bad target's error does not echo the request");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t pick = data[0];
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    const api::Frame frame = api::frame_request(bytes, kLimits);
    const std::string_view target =
        frame.state == api::Framing::complete ? target_of(bytes.substr(0, frame.length)) : bytes;

    const Result<std::string> id = api::backup_id_of(target);
    if (!id) {
        check_error(id.error());
        return 0;
    }
    check(!id->empty(), "a backup id read is never empty");

    const std::string canonical = "/v1/backup?backup_id=" + percent_encoded(*id);
    const auto again = api::backup_id_of(canonical);
    check(again && *again == *id, "the id reads back the same from a target that percent-encodes it");
    const auto surrounded = api::backup_id_of("/v1/backup?rule=x&backup_id=" + percent_encoded(*id) + "&a=%zz&");
    check(surrounded && *surrounded == *id, "other parameters around backup_id change nothing");
    const auto twice = api::backup_id_of(canonical + "&backup_id=" + percent_encoded(*id));
    check(!twice, "a second backup_id is refused");
    check_error(twice.error());

    const Result<bool> automated = store_answer(pick);
    const bool cinder_lookups = (pick & 4) != 0;
    const auto finding = static_cast<api::CinderFinding>((pick >> 3) % 4);
    const api::StoreStep step = api::after_store(automated, cinder_lookups, *id);
    check(step != api::StoreStep::ask_cinder || (cinder_lookups && cinder_could_issue(*id)),
          "Cinder is asked only for an id it can have issued, and only when lookups are on");
    api::Verdict verdict = api::Verdict::deny;
    switch (step) {
        case api::StoreStep::allow:
            verdict = api::Verdict::allow;
            break;
        case api::StoreStep::deny:
            verdict = api::Verdict::deny;
            break;
        case api::StoreStep::ask_cinder:
            verdict = api::verdict_of(finding);
            break;
    }
    const api::Reply reply = api::verdict_reply(verdict);
    check(reply.status == 200 && (reply.body == "True" || reply.body == "False"),
          "a backup's answer is 200 and exactly True or False");
    const bool store_allows = automated && !*automated;
    const bool cinder_allows =
        finding == api::CinderFinding::not_staffelns || finding == api::CinderFinding::no_such_backup;
    check(reply.body == "False" || (store_allows && (step != api::StoreStep::ask_cinder || cinder_allows)),
          "True only when neither the store nor Cinder says staffeln's or cannot say (fail closed)");

    const auto source = static_cast<api::AnswerSource>((pick >> 5) % 3);
    const Status store = automated ? Status{} : Status{automated.error()};
    const api::Reply health = api::health_reply(source, store);
    check(printable(health.body), "the health answer is printable");
    check(health.status == (store.ok() || source == api::AnswerSource::cinder ? 200 : 503),
          "health is 503 only when the store it needs fails");
    return 0;
}
