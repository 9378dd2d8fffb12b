#include "staffeln/coordination/etcd_answer.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::coordination;
using nlohmann::json;

TEST_CASE("an etcd answer of 200 is its JSON object and a gRPC error is typed by its code") {
    auto ok = etcd_answer("http://e/v3/kv/txn", 200, R"({"succeeded":true})");
    REQUIRE(ok.ok());
    CHECK((*ok)["succeeded"] == true);
    auto missing = etcd_answer("http://e/v3/lease/revoke", 404, R"({"code":5,"message":"lease not found"})");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == ErrorKind::not_found);
    CHECK(missing.error().message == "etcd POST http://e/v3/lease/revoke: lease not found");
    auto not_etcd = etcd_answer("http://e/v3/kv/txn", 404, "<html>");
    REQUIRE_FALSE(not_etcd.ok());
    CHECK(not_etcd.error().kind == ErrorKind::invalid_input);
}

TEST_CASE("an etcd error whose code is 1e300 or whose message is not a string is an error, not UB or an exception") {
    // Found by fuzz/etcd_answer: code.get<int>() of 1e300 was undefined behaviour, and value("message", ...)
    // threw type_error 302 for a non-string message.
    auto huge = etcd_answer("http://e/v3/kv/txn", 500, R"({"code":1e300,"message":"x"})");
    REQUIRE_FALSE(huge.ok());
    CHECK(huge.error().kind == ErrorKind::unavailable);
    auto object_message = etcd_answer("http://e/v3/kv/txn", 500, R"({"code":7,"message":{"a":1},"error":"denied"})");
    REQUIRE_FALSE(object_message.ok());
    CHECK(object_message.error().kind == ErrorKind::forbidden);
    CHECK(object_message.error().message == "etcd POST http://e/v3/kv/txn: denied");
    auto no_message = etcd_answer("http://e/v3/kv/txn", 500, R"({"code":16,"message":[1]})");
    REQUIRE_FALSE(no_message.ok());
    CHECK(no_message.error().message == "etcd POST http://e/v3/kv/txn: no message");
}

TEST_CASE("etcd int64 fields are strings or integers, 0 when absent, and anything else is an error naming the field") {
    CHECK(*int64_field(json{{"TTL", "30"}}, "TTL") == 30);
    CHECK(*int64_field(json{{"TTL", 30}}, "TTL") == 30);
    CHECK(*int64_field(json::object(), "TTL") == 0);
    for (const json& bad : {json{{"TTL", 1e300}}, json{{"TTL", "30s"}}, json{{"TTL", json::object()}},
                            json{{"TTL", 18446744073709551615ULL}}, json{{"TTL", "99999999999999999999"}}}) {
        auto read = int64_field(bad, "TTL");
        REQUIRE_FALSE(read.ok());
        CHECK(read.error().message.starts_with("etcd answer field 'TTL' "));
    }
    CHECK_FALSE(int64_field(json::array(), "TTL").ok());
}

TEST_CASE("etcd lease and txn answers of the wrong JSON types are errors, not exceptions") {
    auto grant = lease_grant(json{{"ID", "7587"}, {"TTL", "30"}});
    REQUIRE(grant.ok());
    CHECK(grant->id == 7587);
    CHECK(grant->ttl == 30);
    CHECK(*keepalive_ttl(json{{"result", {{"TTL", "12"}}}}) == 12);
    CHECK(*keepalive_ttl(json{{"result", {{"ID", "1"}}}}) == 0);
    CHECK_FALSE(keepalive_ttl(json{{"result", "expired"}}).ok());

    auto held = txn_outcome(json::parse(R"({"header":{"revision":"9"},"responses":[{"response_range":
        {"kvs":[{"key":"a","value":"bm9kZTIgcGlkIDQy"}]}}]})"));
    REQUIRE(held.ok());
    CHECK_FALSE(held->succeeded);
    CHECK(held->revision == 9);
    CHECK(held->holder == "node2 pid 42");
    // Each of these threw nlohmann's type_error out of try_lock before.
    for (const char* bad :
         {R"({"succeeded":"true"})", R"({"responses":"x"})", R"({"responses":[1]})",
          R"({"responses":[{"response_range":[]}]})", R"({"responses":[{"response_range":{"kvs":{}}}]})",
          R"({"responses":[{"response_range":{"kvs":[{"value":5}]}}]})", R"({"header":{"revision":1e300}})"})
        CHECK_FALSE(txn_outcome(json::parse(bad)).ok());
}
