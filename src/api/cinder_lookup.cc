#include "staffeln/api/cinder_lookup.h"

#include "staffeln/url_password.h"

#include <fmt/format.h>

namespace staffeln::api {
namespace {

openstack::RetryPolicy no_retries() {
    openstack::RetryPolicy retry;
    retry.retry_timeout = openstack::Millis(0);
    return retry;
}

}  // namespace

CinderLookup::CinderLookup(const openstack::Credentials& credentials, const LookupLimits& limits)
    : limits_(limits),
      describe_(fmt::format("{} ({})", redact_url(credentials.auth_url), credentials.source)),
      cloud_(credentials, no_retries(), limits.connect_timeout, limits.request_timeout),
      cache_(limits.cache_entries) {}

std::optional<CinderFinding> CinderLookup::cached(const std::string& backup_id) {
    return cache_.find(backup_id, FindingCache::Clock::now());
}

CinderAnswer CinderLookup::ask(const std::string& backup_id) {
    auto fetched = cloud_.cinder().get_backup(backup_id);
    CinderAnswer answer{finding_of(fetched), fetched ? std::string() : fetched.error().message};
    auto lifetime = cache_lifetime(answer.finding, limits_.lifetimes);
    if (lifetime.count() > 0) cache_.put(backup_id, answer.finding, FindingCache::Clock::now() + lifetime);
    return answer;
}

}  // namespace staffeln::api
