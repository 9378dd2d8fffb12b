// An authenticated, retrying conversation with one cloud. It keeps a Keystone token per
// project (the credentials' own scope under ""), renews each before it expires and once on a
// 401, finds endpoints in the catalog (Cinder's with the project swapped in), negotiates each
// service's microversion once and retries per RetryPolicy. Thread-safe.
#pragma once

#include "staffeln/openstack/credentials.h"
#include "staffeln/net/http_transport.h"
#include "staffeln/openstack/identity.h"
#include "staffeln/openstack/json_fields.h"
#include "staffeln/openstack/microversion.h"
#include "staffeln/openstack/retry.h"
#include "staffeln/thread_annotations.h"

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace staffeln::openstack {

enum class Service { identity, compute, block_storage };

struct ServiceRequest {
    Service service = Service::identity;
    std::string method = "GET";
    std::string path;        // appended to the endpoint URL: "/backups/detail?all_tenants=1"
    std::string body;        // JSON text, or empty
    std::string project_id;  // act in this project with a token scoped to it; "" = own scope
    Idempotency idempotency = Idempotency::idempotent;
};

class Session {
public:
    Session(Credentials credentials, RetryPolicy retry, net::TransportOptions transport);

    // The answer when its status is below 400, else the typed error (retries already spent).
    Result<net::HttpResponse> call(const ServiceRequest& request);

    // GETs request.path and every page its "next" link points at (links_key: "servers_links",
    // or "links" for Keystone's {"links": {"next": ...}}), handing each parsed page to on_page.
    // on_page may throw FieldError; `call` names the listing in errors. Of each item, only
    // the fields `keep` names are parsed (json_fields.h): a page of 1,000 Nova servers held
    // whole is several MB of document.
    Status get_all(const ServiceRequest& request, std::string_view links_key, std::string_view call,
                   const std::function<void(const Json&)>& on_page, ItemFields keep = {});

    Result<std::string> endpoint(Service service, const std::string& project_id);
    // The negotiated microversion; nullopt when the service offers none staffeln asks for.
    Result<std::optional<Microversion>> microversion(Service service);
    // The project the credentials are scoped to.
    Result<std::string> own_project_id();

    // One request with retries and no authentication (used for tokens and discovery). Each
    // attempt is counted in staffeln_cloud_requests_total under the service it went to.
    Result<net::HttpResponse> send(const net::HttpRequest& request, Idempotency idempotency,
                                   Service service = Service::identity);

    const RetryPolicy& retry_policy() const { return retry_; }

private:
    struct CachedToken {
        Token token;
        Clock::time_point renew_at;
    };

    Result<Token> token(const std::string& project_id);
    Result<Token> cached_token(const std::string& key, const std::string& project_id);
    void forget_token(const std::string& project_id);
    Result<std::optional<Microversion>> discover(Service service);
    Result<net::HttpRequest> build(const ServiceRequest& request);

    Credentials credentials_;
    RetryPolicy retry_;
    net::Transport transport_;
    Mutex tokens_mutex_;
    std::map<std::string, CachedToken> tokens_ GUARDED_BY(tokens_mutex_);
    Mutex versions_mutex_;
    std::map<Service, std::optional<Microversion>> versions_ GUARDED_BY(versions_mutex_);
};

}  // namespace staffeln::openstack
