#include "staffeln/result.h"

#include <doctest/doctest.h>

using namespace staffeln;

TEST_CASE("a Result carries either its value or a typed error with context") {
    Result<int> good = 7;
    CHECK(good.ok());
    CHECK(*good == 7);

    Result<int> bad = make_error(ErrorKind::not_found, "backup b1 could not be found");
    bad.error().context("checking backups");
    CHECK_FALSE(bad.ok());
    CHECK(bad.error().kind == ErrorKind::not_found);
    CHECK(bad.error().message == "checking backups: backup b1 could not be found");
}
