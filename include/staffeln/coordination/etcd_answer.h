// Reading etcd's v3 JSON gateway answers without trusting them: the gateway writes int64
// fields as JSON strings and leaves out zero values; anything else of the wrong type (an
// object where a number belongs, 1e300 for a gRPC code, a non-array "responses") is an error
// naming the rpc and the field, never an exception or undefined behaviour. Pure: no I/O.
#pragma once

#include "staffeln/result.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace staffeln::coordination {

// The answer to POST url: the JSON object of an HTTP 200, else an error of the kind gRPC's code
// says (5 not_found, 3 invalid_input, 16 unauthorized, 7 forbidden, others unavailable) with
// etcd's message, or, when the body is no gRPC error, its status and first 200 bytes.
Result<nlohmann::json> etcd_answer(const std::string& url, int http_status, const std::string& body);

// An int64 field as the gateway writes it: a decimal string or a JSON integer; 0 when absent.
Result<long long> int64_field(const nlohmann::json& object, std::string_view name);

struct LeaseGrant {
    long long id = 0;
    long long ttl = 0;  // seconds
};
// lease/grant's answer.
Result<LeaseGrant> lease_grant(const nlohmann::json& answer);
// lease/keepalive's answer: the seconds left, 0 when the lease has expired.
Result<long long> keepalive_ttl(const nlohmann::json& answer);

struct TxnOutcome {
    bool succeeded = false;
    long long revision = 0;  // header.revision
    std::string holder;      // of a failed lock txn: the value its range read, base64-decoded
};
// kv/txn's answer to a lock's create-if-absent (failure: a range of the key).
Result<TxnOutcome> txn_outcome(const nlohmann::json& answer);

}  // namespace staffeln::coordination
