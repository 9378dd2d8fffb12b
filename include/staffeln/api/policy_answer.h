// The API's answers as plain values. oslo.policy allows a delete only when the body is exactly
// "True": a backup staffeln made automatically gets 200 "False" (upstream's status since its
// PR #104), any other backup 200 "True", and a store that cannot answer gets "False" too (fail closed).
#pragma once

#include "staffeln/api/backup_verdict.h"
#include "staffeln/result.h"

#include <string>
#include <string_view>

namespace staffeln::api {

struct Reply {
    int status = 0;
    std::string body;
};

// The backup_id of a request target ("/v1/backup?backup_id=ID"), taken from the query only,
// never from a form body. Error (invalid_input): missing, empty or repeated, in one line.
Result<std::string> backup_id_of(std::string_view target);

Reply verdict_reply(Verdict verdict);
// 200 "True; mode: <source>" while answers can be given; 503 "store unavailable: <why>" when the
// store they need cannot be read. Without a store (AnswerSource::cinder) there is none to fail.
Reply health_reply(AnswerSource source, const Status& store);

}  // namespace staffeln::api
