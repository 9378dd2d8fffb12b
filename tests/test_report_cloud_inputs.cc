// CloudInputs against the simulated cloud over loopback HTTP: project names from Keystone,
// backup_gigabytes from Cinder's quota usage, members' addresses from role assignments.
#include "staffeln/openstack/cloud.h"
#include "staffeln/report/cloud_inputs.h"

#include "support/simcloud_harness.h"

#include <doctest/doctest.h>

using namespace staffeln;

namespace {

constexpr const char* kProd = "5b1f0e2d7c3a4e8f9a6b4c2d1e0f3a7b";
constexpr const char* kDemo = "36c9253a0e304fb4ab70dcd8b616c0f9";

openstack::RetryPolicy no_retries() {
    openstack::RetryPolicy retry;
    retry.retry_timeout = openstack::Millis(0);
    return retry;
}

}  // namespace

TEST_CASE("the cloud gives a report its project name, backup_gigabytes quota and member addresses") {
    simtest::Harness sim(simtest::demo_scenario());
    openstack::Cloud cloud(simtest::admin_credentials(sim.server->base_url()), no_retries());
    report::CloudInputs inputs(cloud);

    auto prod = inputs.project(kProd);
    REQUIRE_MESSAGE(prod.ok(), (prod.ok() ? "" : prod.error().message));
    CHECK(prod->name == "prod");
    REQUIRE(prod->backup_quota.has_value());
    CHECK(prod->backup_quota->limit == 100);
    CHECK(prod->backup_quota->in_use == 0);

    auto members = inputs.member_emails(kProd);
    REQUIRE_MESSAGE(members.ok(), (members.ok() ? "" : members.error().message));
    std::sort(members->begin(), members->end());
    CHECK(*members == std::vector<std::string>{"admin@example.org", "alice@example.org", "bob@example.org"});

    auto demo = inputs.project(kDemo);
    REQUIRE(demo.ok());
    CHECK(demo->name == "demo");
    CHECK(demo->backup_quota->limit == 1000);

    auto gone = inputs.project("00000000000000000000000000000000");
    REQUIRE(gone.ok());
    CHECK(gone->name == "00000000000000000000000000000000");
}
