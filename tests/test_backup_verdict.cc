// The API's decision for one backup id (api/backup_verdict.h, api/policy_answer.h): the store first,
// then Cinder's answer through the tag, and the HTTP reply of each verdict; pure.
#include "staffeln/api/backup_verdict.h"
#include "staffeln/api/policy_answer.h"
#include "staffeln/model.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace staffeln;

TEST_CASE("the policy answer is True only when the store says the backup is not automated") {
    auto answer = [](const Result<bool>& automated) {
        auto step = api::after_store(automated, false, "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f");
        return api::verdict_reply(step == api::StoreStep::allow ? api::Verdict::allow : api::Verdict::deny);
    };
    CHECK(answer(false).status == 200);
    CHECK(answer(false).body == "True");
    CHECK(answer(true).status == 200);
    CHECK(answer(true).body == "False");
    auto broken = answer(make_error(ErrorKind::corrupt, "store is damaged"));
    CHECK(broken.status == 200);
    CHECK(broken.body == "False");
    CHECK(api::health_reply(api::AnswerSource::store, Status{}).body == "True; mode: store");
    CHECK(api::health_reply(api::AnswerSource::store_then_cinder, Status{}).body == "True; mode: store+cinder");
    CHECK(api::health_reply(api::AnswerSource::cinder, Status{}).body == "True; mode: cinder");
    auto sick =
        api::health_reply(api::AnswerSource::store_then_cinder, make_error(ErrorKind::io, "database x does not exist"));
    CHECK(sick.status == 503);
    CHECK(sick.body == "store unavailable: database x does not exist");
}

TEST_CASE("the store decides first: a row or an unreadable store denies, an unknown id goes to Cinder when it can") {
    using api::StoreStep;
    const std::string uuid = "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f";
    Result<bool> unreadable = make_error(ErrorKind::corrupt, "damaged");
    CHECK(api::after_store(true, true, uuid) == StoreStep::deny);
    CHECK(api::after_store(true, false, uuid) == StoreStep::deny);
    CHECK(api::after_store(unreadable, true, uuid) == StoreStep::deny);
    CHECK(api::after_store(unreadable, false, uuid) == StoreStep::deny);
    CHECK(api::after_store(false, true, uuid) == StoreStep::ask_cinder);
    CHECK(api::after_store(false, false, uuid) == StoreStep::allow);
    // Ids Cinder cannot have issued never reach its URLs.
    for (const std::string& id : std::vector<std::string>{"..", "a/b", "a%2Fb", "x?y=1", std::string(65, 'a'), "a b"})
        CHECK_MESSAGE(api::after_store(false, true, id) == StoreStep::allow, id);
    CHECK(api::after_store(false, true, std::string(64, 'a')) == StoreStep::ask_cinder);
}

TEST_CASE("Cinder's answer decides through the tag: staffeln's or unknown deny, untagged or missing allow") {
    using api::CinderFinding;
    Backup tagged{.id = "b1", .metadata = {{"staffeln:task", "task-1"}}};
    Backup marked{.id = "b2", .description = "Backup by staffeln staffeln:task=task-2"};
    Backup users{.id = "b3", .description = "mine", .metadata = {{"owner", "me"}}};
    CHECK(api::finding_of(tagged) == CinderFinding::staffelns);
    CHECK(api::finding_of(marked) == CinderFinding::staffelns);
    CHECK(api::finding_of(users) == CinderFinding::not_staffelns);
    CHECK(api::finding_of(make_error(ErrorKind::not_found, "404")) == CinderFinding::no_such_backup);
    for (auto kind : {ErrorKind::unavailable, ErrorKind::timeout, ErrorKind::unauthorized, ErrorKind::forbidden,
                      ErrorKind::invalid_input, ErrorKind::internal})
        CHECK(api::finding_of(make_error(kind, "x")) == CinderFinding::unknown);

    CHECK(api::verdict_of(CinderFinding::staffelns) == api::Verdict::deny);
    CHECK(api::verdict_of(CinderFinding::unknown) == api::Verdict::deny);
    CHECK(api::verdict_of(CinderFinding::not_staffelns) == api::Verdict::allow);
    CHECK(api::verdict_of(CinderFinding::no_such_backup) == api::Verdict::allow);
    CHECK(api::verdict_reply(api::Verdict::allow).body == "True");
    CHECK(api::verdict_reply(api::Verdict::deny).status == 200);

    api::CacheLifetimes lifetimes{std::chrono::seconds(3600), std::chrono::seconds(10)};
    CHECK(api::cache_lifetime(CinderFinding::staffelns, lifetimes) == std::chrono::seconds(3600));
    CHECK(api::cache_lifetime(CinderFinding::not_staffelns, lifetimes) == std::chrono::seconds(10));
    CHECK(api::cache_lifetime(CinderFinding::no_such_backup, lifetimes) == std::chrono::seconds(10));
    CHECK(api::cache_lifetime(CinderFinding::unknown, lifetimes) == std::chrono::seconds(0));
}

TEST_CASE("backup_id comes from the query only, once, and not empty") {
    CHECK(*api::backup_id_of("/v1/backup?backup_id=abc") == "abc");
    CHECK(*api::backup_id_of("/v1/backup?x=1&backup_id=a%2Db") == "a-b");
    auto missing = api::backup_id_of("/v1/backup");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message == "missing backup_id: expected /v1/backup?backup_id=<backup id>");
    CHECK(api::backup_id_of("/v1/backup?backup_id=").error().message ==
          "empty backup_id: expected /v1/backup?backup_id=<backup id>");
    CHECK(api::backup_id_of("/v1/backup?backup_id").error().message ==
          "empty backup_id: expected /v1/backup?backup_id=<backup id>");
    CHECK(api::backup_id_of("/v1/backup?backup_id=a&backup_id=b").error().message ==
          "backup_id given 2 times: give it once");
}
