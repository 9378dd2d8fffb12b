// Pure pieces of the OpenStack client: retry decisions, timestamps, version documents,
// catalog lookup, fault bodies and the Keystone request bodies.
#include "staffeln/openstack/catalog.h"
#include "staffeln/openstack/http_error.h"
#include "staffeln/openstack/identity.h"
#include "staffeln/openstack/iso_time.h"
#include "staffeln/openstack/json_fields.h"
#include "staffeln/openstack/microversion.h"
#include "staffeln/openstack/query.h"
#include "staffeln/openstack/resource_json.h"
#include "staffeln/openstack/retry.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::openstack;
using std::chrono::milliseconds;

namespace {

AttemptOutcome status(int code) { return AttemptOutcome{code, {}, true, {}}; }
AttemptOutcome transport(ErrorKind kind, bool sent) { return AttemptOutcome{0, kind, sent, {}}; }

const RetryPolicy policy{milliseconds(10'000), milliseconds(2'000), {404}, milliseconds(500)};

}  // namespace

TEST_CASE("backoff doubles from the first interval up to max_retry_interval, with at least half kept") {
    CHECK(retry_delay(policy, status(503), Idempotency::idempotent, 1, milliseconds(0), 0.0) == milliseconds(250));
    CHECK(retry_delay(policy, status(503), Idempotency::idempotent, 1, milliseconds(0), 0.999) == milliseconds(499));
    CHECK(retry_delay(policy, status(500), Idempotency::idempotent, 2, milliseconds(0), 0.0) == milliseconds(500));
    CHECK(retry_delay(policy, status(502), Idempotency::idempotent, 3, milliseconds(0), 0.0) == milliseconds(1000));
    CHECK(retry_delay(policy, status(504), Idempotency::idempotent, 9, milliseconds(0), 0.0) == milliseconds(1000));
    CHECK(retry_delay(policy, status(504), Idempotency::idempotent, 40, milliseconds(0), 0.999) == milliseconds(1999));
}

TEST_CASE("no attempt is planned past retry_timeout") {
    CHECK(retry_delay(policy, status(503), Idempotency::idempotent, 1, milliseconds(9'700), 0.0) == milliseconds(250));
    CHECK_FALSE(retry_delay(policy, status(503), Idempotency::idempotent, 1, milliseconds(9'800), 0.0));
}

TEST_CASE("429 waits what Retry-After asks, within retry_timeout") {
    AttemptOutcome limited = status(429);
    limited.retry_after = milliseconds(3000);
    CHECK(retry_delay(policy, limited, Idempotency::idempotent, 1, milliseconds(0), 0.5) == milliseconds(3000));
    CHECK(retry_delay(policy, limited, Idempotency::not_idempotent, 1, milliseconds(0), 0.5) == milliseconds(3000));
    CHECK_FALSE(retry_delay(policy, limited, Idempotency::idempotent, 1, milliseconds(7'500), 0.5));
}

TEST_CASE("client errors and skip_retry_codes are never retried") {
    for (int code : {200, 202, 300, 400, 401, 403, 404, 409}) {
        CAPTURE(code);
        CHECK_FALSE(retry_delay(policy, status(code), Idempotency::idempotent, 1, milliseconds(0), 0.0));
    }
    RetryPolicy skip_503 = policy;
    skip_503.skip_retry_codes = {503};
    CHECK_FALSE(retry_delay(skip_503, status(503), Idempotency::idempotent, 1, milliseconds(0), 0.0));
    CHECK(retry_delay(skip_503, status(500), Idempotency::idempotent, 1, milliseconds(0), 0.0));
}

TEST_CASE("a create that may have reached the server is never retried") {
    CHECK(retry_delay(policy, transport(ErrorKind::timeout, false), Idempotency::not_idempotent, 1, milliseconds(0),
                      0.0));
    CHECK_FALSE(
        retry_delay(policy, transport(ErrorKind::timeout, true), Idempotency::not_idempotent, 1, milliseconds(0), 0.0));
    CHECK(may_have_been_applied(transport(ErrorKind::unavailable, true), Idempotency::not_idempotent));
    CHECK_FALSE(may_have_been_applied(transport(ErrorKind::unavailable, true), Idempotency::idempotent));
    CHECK(may_have_been_applied(status(500), Idempotency::not_idempotent));
    CHECK(may_have_been_applied(status(504), Idempotency::not_idempotent));
    CHECK_FALSE(may_have_been_applied(status(503), Idempotency::not_idempotent));
    CHECK_FALSE(may_have_been_applied(status(429), Idempotency::not_idempotent));
    CHECK(retry_delay(policy, status(503), Idempotency::not_idempotent, 1, milliseconds(0), 0.0));
    CHECK(retry_delay(policy, transport(ErrorKind::timeout, true), Idempotency::idempotent, 1, milliseconds(0), 0.0));
    CHECK_FALSE(retry_delay(policy, transport(ErrorKind::invalid_input, false), Idempotency::idempotent, 1,
                            milliseconds(0), 0.0));
}

TEST_CASE("Retry-After is read in seconds, dates and garbage fall back to backoff") {
    CHECK(parse_retry_after("3") == milliseconds(3000));
    CHECK(parse_retry_after(" 0 ") == milliseconds(0));
    CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
    CHECK_FALSE(parse_retry_after("-1"));
    CHECK_FALSE(parse_retry_after(""));
}

TEST_CASE("OpenStack's timestamps parse to UTC seconds") {
    using namespace std::chrono;
    const TimePoint expected = sys_days(2026y / November / 22) + hours(3) + minutes(49) + seconds(35);
    CHECK(parse_iso_time("2026-11-22T03:49:35.000000") == expected);
    CHECK(parse_iso_time("2026-11-22T03:49:35Z") == expected);
    CHECK(parse_iso_time("2026-11-22T03:49:35.000000Z") == expected);
    CHECK(parse_iso_time("2026-11-22T05:49:35+02:00") == expected);
    CHECK(parse_iso_time("2026-11-21T22:49:35.5-05:00") == expected);
    for (const char* bad : {"", "2026-11-22", "2026-13-01T00:00:00", "2026-02-30T00:00:00", "2026-11-22T03:49:35+2",
                            "2026-11-22T25:00:00", "2026/11/22T03:49:35", "2026-11-22T03:49:35 junk"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_iso_time(bad));
    }
}

TEST_CASE("OpenStack timestamps are read from 1970 to 2200 only, so no clock arithmetic overflows") {
    // Found by fuzz/openstack_listing: a year after 2262 overflowed system_clock's nanoseconds
    // wherever a parsed time met Clock::now().
    using namespace std::chrono;
    CHECK(parse_iso_time("1970-01-01T00:00:00Z") == TimePoint{});
    CHECK(parse_iso_time("2200-12-31T23:59:59Z") ==
          sys_days(2200y / December / 31) + hours(23) + minutes(59) + seconds(59));
    for (const char* bad : {"2201-01-01T00:00:00Z", "2263-01-01T00:00:00", "9999-12-31T23:59:59Z",
                            "1969-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "1970-01-01T00:00:00+00:01"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_iso_time(bad));
    }
    const auto error =
        parse_response("cinder GET /backups/detail", R"({"backup": {"created_at": "2300-01-01T00:00:00"}})",
                       [](const Json& body) { return time_field(body["backup"], "created_at"); });
    REQUIRE_FALSE(error.ok());
    CHECK(error.error().message ==
          "cinder GET /backups/detail: response field 'created_at' is not an ISO 8601 time "
          "from 1970 to 2200: '2300-01-01T00:00:00'");
}

TEST_CASE("version documents as Cinder and Nova send them give the microversion range") {
    const char* cinder =
        R"({"versions": [{"id": "v3.0", "status": "CURRENT", "version": "3.70", "min_version": "3.0"}]})";
    auto range = parse_version_document(cinder, "v3");
    REQUIRE(range.ok());
    CHECK(range->min == Microversion{3, 0});
    CHECK(range->max == Microversion{3, 70});
    CHECK(choose_microversion(*range, {{3, 0}, {3, 43}, {3, 64}}) == Microversion{3, 64});
    CHECK(choose_microversion({{3, 0}, {3, 50}}, {{3, 0}, {3, 43}, {3, 64}}) == Microversion{3, 43});
    CHECK(choose_microversion({{3, 0}, {3, 42}}, {{3, 0}, {3, 43}, {3, 64}}) == Microversion{3, 0});
    CHECK_FALSE(choose_microversion({{3, 50}, {3, 70}}, {{3, 0}, {3, 43}}).has_value());

    const char* nova_root = R"({"versions": [{"id": "v2.0", "version": "", "min_version": ""},
                                            {"id": "v2.1", "version": "2.93", "min_version": "2.1"}]})";
    auto nova = parse_version_document(nova_root, "v2.1");
    REQUIRE(nova.ok());
    CHECK(nova->max == Microversion{2, 93});
    auto nova_v21 =
        parse_version_document(R"({"version": {"id": "v2.1", "version": "2.93", "min_version": "2.1"}})", "v2.1");
    REQUIRE(nova_v21.ok());
    CHECK(nova_v21->min == Microversion{2, 1});

    auto none = parse_version_document(R"({"versions": []})", "v3");
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message == "version discovery: no API version v3 in the version document");
}

TEST_CASE("the catalog gives the endpoint by type, interface and region, Cinder's per project") {
    Catalog catalog({{"compute",
                      "nova",
                      {{"public", "RegionOne", "http://n/v2.1/"}, {"internal", "RegionOne", "http://n-int/v2.1"}}},
                     {"volumev3", "cinderv3", {{"public", "RegionOne", "http://c/v3/adminp"}}},
                     {"block-storage", "block-storage", {{"public", "RegionTwo", "http://c2/v3/adminp"}}}});
    CHECK(*catalog.endpoint({"compute"}, "public", "") == "http://n/v2.1");
    CHECK(*catalog.endpoint({"compute"}, "internal", "RegionOne") == "http://n-int/v2.1");
    CHECK(*catalog.endpoint({"block-storage", "volumev3"}, "public", "RegionOne") == "http://c/v3/adminp");
    CHECK(*catalog.endpoint({"block-storage", "volumev3"}, "public", "RegionTwo") == "http://c2/v3/adminp");
    auto missing = catalog.endpoint({"compute"}, "admin", "RegionOne");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == ErrorKind::not_found);
    CHECK(missing.error().message == "no admin endpoint for compute in region 'RegionOne' in the service catalog");

    CHECK(for_project("http://c/v3/adminp", "adminp", "demo") == "http://c/v3/demo");
    CHECK(for_project("http://adminp.c/v3/adminp", "adminp", "demo") == "http://adminp.c/v3/demo");
    CHECK(for_project("http://c/v3", "adminp", "demo") == "http://c/v3");
}

TEST_CASE("fault bodies of every service give their own message, kind and request id") {
    struct Row {
        int status;
        const char* body;
        ErrorKind kind;
        const char* message;
    };
    const Row rows[] = {
        {404, R"({"itemNotFound": {"code": 404, "message": "Backup x could not be found."}})", ErrorKind::not_found,
         "Backup x could not be found."},
        {400,
         R"({"badRequest": {"code": 400, "message": "Invalid backup: Incremental backups exist for this backup."}})",
         ErrorKind::conflict, "Invalid backup: Incremental backups exist for this backup."},
        {400, R"({"badRequest": {"code": 400, "message": "Invalid filters metadata are found in query options."}})",
         ErrorKind::invalid_input, "Invalid filters metadata are found in query options."},
        {401,
         R"({"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}})",
         ErrorKind::unauthorized, "The request you have made requires authentication."},
        {403,
         R"({"forbidden": {"code": 403, "message": "Policy doesn't allow backup:export-import to be performed."}})",
         ErrorKind::forbidden, "Policy doesn't allow backup:export-import to be performed."},
        {503, "<html>Service Unavailable</html>\n", ErrorKind::unavailable, "<html>Service Unavailable</html>"},
        {500, "", ErrorKind::unavailable, "no message"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.body);
        net::HttpResponse response{row.status, {{"x-openstack-request-id", "req-1"}}, row.body};
        const Error e = error_from_response({"GET", "http://c/v3/p/backups/x", {}, {}}, response);
        CHECK(e.kind == row.kind);
        CHECK(e.http_status == row.status);
        CHECK(e.request_id == "req-1");
        CHECK(e.message == fmt::format("GET http://c/v3/p/backups/x: HTTP {}: {}", row.status, row.message));
    }
}

TEST_CASE("Keystone requests carry password or application credential and the wanted scope") {
    Credentials c;
    c.auth_url = "http://k:5000/";
    c.username = "admin";
    c.password = "pw";
    c.user_domain_name = "Default";
    c.project_name = "admin";
    c.project_domain_id = "default";
    auto own = token_request(c, "");
    REQUIRE(own.ok());
    CHECK(own->url == "http://k:5000/v3/auth/tokens");
    const auto body = Json::parse(own->body);
    CHECK(body["auth"]["identity"]["password"]["user"] ==
          Json{{"name", "admin"}, {"domain", {{"name", "Default"}}}, {"password", "pw"}});
    CHECK(body["auth"]["scope"]["project"] == Json{{"name", "admin"}, {"domain", {{"id", "default"}}}});
    auto other = token_request(c, "p2");
    CHECK(Json::parse(other->body)["auth"]["scope"]["project"] == Json{{"id", "p2"}});

    c.auth_type = AuthType::application_credential;
    c.application_credential_id = "ac";
    c.application_credential_secret = "sec";
    auto app = token_request(c, "");
    REQUIRE(app.ok());
    CHECK(Json::parse(app->body)["auth"] == Json{{"identity",
                                                  {{"methods", {"application_credential"}},
                                                   {"application_credential", {{"id", "ac"}, {"secret", "sec"}}}}}});
    CHECK(token_request(c, "p2").error().kind == ErrorKind::invalid_input);
}

TEST_CASE("a wrongly typed or missing field names the call and the field") {
    auto parse = [](const std::string& body) {
        return parse_response("cinder GET /backups/detail", body,
                              [](const Json& j) { return string_field(object_field(j, "backup"), "status"); });
    };
    CHECK(parse(R"({"backup": {"status": "available"}})").value() == "available");
    CHECK(parse(R"({"backup": {"status": 3}})").error().message ==
          "cinder GET /backups/detail: response field 'status' is not a string");
    CHECK(parse(R"({"backup": {}})").error().message ==
          "cinder GET /backups/detail: response field 'status' is missing");
    CHECK(parse(R"({"backups": []})").error().message ==
          "cinder GET /backups/detail: response field 'backup' is missing");
    CHECK(parse("not json")
              .error()
              .message.starts_with("cinder GET /backups/detail: response is not the expected JSON: "));
    CHECK(parse("[1]").error().kind == ErrorKind::invalid_input);
}

TEST_CASE("a listing page keeps of its items only the fields asked for, and its links whole") {
    constexpr std::string_view fields[] = {"id", "metadata", "os-extended-volumes:volumes_attached"};
    const std::string body = R"({"servers": [{"id": "s1", "name": "vm", "addresses": {"net": [{"addr": "10.0.0.1"}]},
                                              "metadata": {"id": "kept", "name": "kept"},
                                              "os-extended-volumes:volumes_attached": [{"id": "v1", "delete_on_termination": false}],
                                              "links": [{"href": "x", "rel": "self"}]}],
                                 "servers_links": [{"href": "http://nova/servers/detail?marker=s1", "rel": "next"}]})";
    auto page = parse_response("nova GET /servers/detail", body, [](const Json& j) { return Result<Json>(j); },
                               {"servers", fields});
    REQUIRE(page);
    CHECK(*page == Json::parse(R"({"servers": [{"id": "s1", "metadata": {"id": "kept", "name": "kept"},
                                                "os-extended-volumes:volumes_attached": [{"id": "v1", "delete_on_termination": false}]}],
                                   "servers_links": [{"href": "http://nova/servers/detail?marker=s1", "rel": "next"}]})"));
    auto whole = parse_response("nova GET /servers/detail", body, [](const Json& j) { return Result<Json>(j); });
    CHECK(*whole == Json::parse(body));
}

TEST_CASE("query strings leave unset filters out and encode values") {
    CHECK(query_string({{"all_tenants", "1"}, {"project_id", ""}, {"limit", "1000"}}) == "?all_tenants=1&limit=1000");
    CHECK(query_string({{"metadata", R"({"a": "b"})"}}) == "?metadata=%7B%22a%22%3A%20%22b%22%7D");
    CHECK(query_string({}).empty());
}

TEST_CASE("a server's shape is read from the listing at 2.47 and at 2.1, a bad field is a problem, not an error") {
    const Json v247 = Json::parse(R"({"id": "s1", "name": "web", "tenant_id": "p1", "status": "ACTIVE", "metadata": {},
        "image": "", "key_name": "ops", "OS-EXT-AZ:availability_zone": "nova",
        "flavor": {"vcpus": 2, "ram": 2048, "disk": 20, "ephemeral": 0, "swap": 0, "original_name": "m1.small",
                   "extra_specs": {}},
        "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
        "security_groups": [{"name": "default"}, {"name": "web"}],
        "addresses": {"private": [{"version": 4, "addr": "10.0.0.5", "OS-EXT-IPS:type": "fixed",
                                   "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"}]},
        "os-extended-volumes:volumes_attached": [{"id": "v1", "delete_on_termination": true}, {"id": "v2",
                                                 "delete_on_termination": false}]})");
    Server s = parse_server(v247);
    CHECK(s.shape.flavor == ServerFlavor{"", "m1.small", 2, 2048, 20});
    CHECK(s.shape.key_name == "ops");
    CHECK(s.shape.availability_zone == "nova");
    CHECK(s.shape.root_device_name == "/dev/vda");
    CHECK(s.shape.security_groups == std::vector<std::string>{"default", "web"});
    REQUIRE(s.shape.addresses.size() == 1);
    CHECK(s.shape.addresses[0] == ServerAddress{"private", "10.0.0.5", "fa:16:3e:00:00:01", "fixed", 4});
    CHECK(s.shape.delete_on_termination == std::vector<bool>{true, false});
    CHECK(s.shape.problems.empty());

    // 2.1, as the transcript's GET server shows it: the flavor's id, an image object.
    Json v21 = v247;
    v21["flavor"] = Json::parse(R"({"id": "f-1", "links": []})");
    v21["image"] = Json::parse(R"({"id": "img-1", "links": []})");
    v21.erase("OS-EXT-SRV-ATTR:root_device_name");
    v21["os-extended-volumes:volumes_attached"] = Json::parse(R"([{"id": "v1"}])");
    Server old = parse_server(v21);
    CHECK(old.shape.flavor == ServerFlavor{"f-1"});
    CHECK(old.shape.image_id == "img-1");
    CHECK(old.shape.delete_on_termination == std::vector<bool>{false});

    Json bad = v247;
    bad["addresses"] = "none";
    bad["flavor"] = Json::parse(R"({"original_name": "m1.small", "vcpus": "2"})");
    bad["security_groups"] = Json::parse("[1]");
    Server kept = parse_server(bad);
    CHECK(kept.id == "s1");
    CHECK(kept.volume_ids.size() == 2);
    CHECK(kept.shape.problems == std::vector<std::string>{"flavor.vcpus: is not an integer",
                                                          "security_groups[]: is not an object",
                                                          "addresses: is not an object"});
}
