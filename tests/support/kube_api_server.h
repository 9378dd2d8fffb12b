// A simulated Kubernetes API server for coordination.k8s.io/v1 Leases, over HTTPS with a cluster
// CA made here by the openssl CLI. It answers as the real API server does, following
//   https://kubernetes.io/docs/reference/kubernetes-api/coordination/_print/ (Lease: fields,
//     GET/POST/PUT/DELETE /apis/coordination.k8s.io/v1/namespaces/{namespace}/leases[/{name}],
//     201 on create, 200 on read/replace/delete)
//   https://kubernetes.io/docs/reference/using-api/api-concepts (resourceVersion: opaque, an
//     update with a stale one is 409 Conflict; errors are a `Status` object: kind, apiVersion v1,
//     status Failure, message, reason NotFound/AlreadyExists/Conflict/Unauthorized/Forbidden/
//     Invalid/BadRequest, details {name, group, kind}, code)
// Bearer tokens are known with or without rights on leases (401 for an unknown one, 403 for one
// without rights); names and fields are validated (422 Invalid). Started by the constructor on
// a free loopback port, stopped by the destructor.
#pragma once

#include "support/temp_dir.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace staffeln::testing {

class KubeApiServer {
public:
    KubeApiServer();
    ~KubeApiServer();
    KubeApiServer(const KubeApiServer&) = delete;
    KubeApiServer& operator=(const KubeApiServer&) = delete;

    std::string url() const;  // "https://127.0.0.1:PORT"
    const std::filesystem::path& ca_file() const { return ca_; }
    // A CA of its own, which did not sign the server's certificate.
    std::filesystem::path other_ca_file();
    // A kubeconfig naming this server, its CA and a token file.
    std::filesystem::path write_kubeconfig(const std::filesystem::path& token_file);

    void allow_token(const std::string& token, bool may_use_leases = true);
    void forget_token(const std::string& token);

    // The stored Lease, or null.
    nlohmann::json lease(const std::string& ns, const std::string& name);
    // Stores a Lease as another client would have written it (e.g. an upstream pod).
    void put_lease(const std::string& ns, const std::string& name, const nlohmann::json& spec);
    // Requests answered so far, by method ("GET", "PUT", ...).
    int requests(const std::string& method);
    // The next authorized request with this method is answered with status and body as given,
    // as a broken server or a proxy in front of it might answer (e.g. 503 {"message":null}).
    void answer_next(const std::string& method, int status, const std::string& body);

private:
    void handle(const httplib::Request& req, httplib::Response& res);

    TempDir dir_;
    std::filesystem::path ca_, ca_key_, cert_, key_;
    std::unique_ptr<httplib::SSLServer> server_;
    std::thread thread_;
    int port_ = 0;

    std::mutex mutex_;
    std::map<std::string, bool> tokens_;
    std::map<std::string, nlohmann::json> leases_;  // by "ns/name"
    long long resource_version_ = 1000;
    long long uid_ = 0;
    std::map<std::string, int> requests_;
    std::map<std::string, std::pair<int, std::string>> next_answers_;  // by method
};

}  // namespace staffeln::testing
