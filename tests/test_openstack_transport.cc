// The transport and the retry loop against real servers on loopback: a cpp-httplib server
// with scripted answers, and a raw socket that drops every connection.
#include "staffeln/openstack/cloud.h"
#include "staffeln/openstack/session.h"
#include "support/ports.h"

#include <doctest/doctest.h>
#include <httplib.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

using namespace staffeln;
using namespace staffeln::openstack;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

class LoopbackServer {
public:
    // Without keep_alive each answer closes its connection, so stop() need not wait out an idle one.
    explicit LoopbackServer(const std::function<void(httplib::Server&)>& routes, bool keep_alive = false) {
        if (keep_alive)
            server_.set_keep_alive_timeout(1);
        else
            server_.set_keep_alive_max_count(1);
        routes(server_);
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~LoopbackServer() {
        server_.stop();
        thread_.join();
    }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

private:
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
};

// Accepts connections, reads the request and closes without answering.
class DroppingServer {
public:
    DroppingServer() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(fd_, 16);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] {
            for (;;) {
                const int client = ::accept(fd_, nullptr, nullptr);
                if (client < 0) return;
                char buffer[4096];
                if (::recv(client, buffer, sizeof buffer, 0) > 0) ++accepted;
                ::close(client);
            }
        });
    }
    ~DroppingServer() {
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/drop"; }
    std::atomic<int> accepted{0};

private:
    int fd_ = -1;
    int port_ = 0;
    std::thread thread_;
};

RetryPolicy quick_policy() { return RetryPolicy{milliseconds(800), milliseconds(100), {404}, milliseconds(20)}; }

Session session_with(RetryPolicy policy, milliseconds total_timeout = milliseconds(2000)) {
    return Session(Credentials{}, policy, net::TransportOptions{milliseconds(1000), total_timeout, {}});
}

using staffeln::testing::free_port;

}  // namespace

TEST_CASE("a refused connection is an unavailable error naming the URL") {
    const std::string url = "http://127.0.0.1:" + std::to_string(free_port()) + "/v3";
    net::Transport transport(net::TransportOptions{});
    auto response = transport.perform({"GET", url, {}, {}});
    REQUIRE_FALSE(response.ok());
    CHECK(response.error().kind == ErrorKind::unavailable);
    CHECK(response.error().message.starts_with("GET " + url + ": "));
    CHECK_FALSE(response.error().maybe_applied);
}

TEST_CASE("headers, body and status travel both ways, and one thread reuses its connection") {
    std::set<int> client_ports;
    std::mutex mutex;
    LoopbackServer server(
        [&](httplib::Server& s) {
            s.Put("/echo", [&](const httplib::Request& req, httplib::Response& res) {
                std::lock_guard lock(mutex);
                client_ports.insert(req.remote_port);
                res.status = 202;
                res.set_header("X-OpenStack-Request-Id", "req-42");
                res.set_content(req.get_header_value("X-Test") + ":" + req.body, "text/plain");
            });
        },
        true);
    net::Transport transport(net::TransportOptions{});
    for (int i = 0; i < 3; ++i) {
        auto response = transport.perform({"PUT", server.url("/echo"), {{"X-Test", "t"}}, "payload"});
        REQUIRE(response.ok());
        CHECK(response->status == 202);
        CHECK(response->body == "t:payload");
        CHECK(response->header("X-OPENSTACK-REQUEST-ID") == "req-42");
    }
    CHECK(client_ports.size() == 1);
}

TEST_CASE("a request that outlives the total timeout is a timeout error, and a POST may have been applied") {
    std::atomic<int> posts{0};
    LoopbackServer server([&](httplib::Server& s) {
        s.Post("/slow", [&](const httplib::Request&, httplib::Response& res) {
            ++posts;
            std::this_thread::sleep_for(milliseconds(600));
            res.set_content("{}", "application/json");
        });
    });
    Session session = session_with(quick_policy(), milliseconds(200));
    auto response = session.send({"POST", server.url("/slow"), {}, "{}"}, Idempotency::not_idempotent);
    REQUIRE_FALSE(response.ok());
    CHECK(response.error().kind == ErrorKind::timeout);
    CHECK(response.error().maybe_applied);
    CHECK(response.error().message.starts_with("POST " + server.url("/slow") + ": no answer within 200 ms"));
    CHECK(posts == 1);
}

TEST_CASE("5xx answers are retried until one succeeds") {
    std::atomic<int> calls{0};
    LoopbackServer server([&](httplib::Server& s) {
        s.Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
            res.status = ++calls < 3 ? 503 : 200;
            res.set_content("ok", "text/plain");
        });
    });
    Session session = session_with(quick_policy());
    auto response = session.send({"GET", server.url("/flaky"), {}, {}}, Idempotency::idempotent);
    REQUIRE(response.ok());
    CHECK(response->status == 200);
    CHECK(calls == 3);
}

TEST_CASE("retries stop at retry_timeout and return the last answer") {
    std::atomic<int> calls{0};
    LoopbackServer server([&](httplib::Server& s) {
        s.Get("/down", [&](const httplib::Request&, httplib::Response& res) {
            ++calls;
            res.status = 500;
            res.set_content(R"({"computeFault": {"code": 500, "message": "boom"}})", "application/json");
        });
    });
    Session session = session_with(quick_policy());
    const auto start = steady_clock::now();
    auto response = session.send({"GET", server.url("/down"), {}, {}}, Idempotency::idempotent);
    const auto elapsed = steady_clock::now() - start;
    REQUIRE(response.ok());
    CHECK(response->status == 500);
    CHECK(elapsed >= milliseconds(700));
    CHECK(elapsed < milliseconds(1200));
    // Steps of 10-20, 20-40, 40-80, then at most 100 ms: between 8 and 16 attempts fit in 800 ms.
    CHECK(calls >= 8);
    CHECK(calls <= 16);
}

TEST_CASE("skipped codes and other client errors are answered at once") {
    std::atomic<int> calls{0};
    LoopbackServer server([&](httplib::Server& s) {
        s.Get(R"(/status/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
            ++calls;
            res.status = std::stoi(req.matches[1]);
        });
    });
    RetryPolicy policy = quick_policy();
    policy.skip_retry_codes = {404, 502};
    Session session = session_with(policy);
    for (int code : {404, 400, 403, 502}) {
        CAPTURE(code);
        calls = 0;
        auto response =
            session.send({"GET", server.url("/status/" + std::to_string(code)), {}, {}}, Idempotency::idempotent);
        REQUIRE(response.ok());
        CHECK(response->status == code);
        CHECK(calls == 1);
    }
}

TEST_CASE("429 waits for Retry-After before trying again") {
    std::atomic<int> calls{0};
    LoopbackServer server([&](httplib::Server& s) {
        s.Post("/limited", [&](const httplib::Request&, httplib::Response& res) {
            if (++calls == 1) {
                res.status = 429;
                res.set_header("Retry-After", "1");
                return;
            }
            res.status = 202;
        });
    });
    RetryPolicy policy = quick_policy();
    policy.retry_timeout = milliseconds(3000);
    Session session = session_with(policy);
    const auto start = steady_clock::now();
    auto response = session.send({"POST", server.url("/limited"), {}, "{}"}, Idempotency::not_idempotent);
    REQUIRE(response.ok());
    CHECK(response->status == 202);
    CHECK(calls == 2);
    CHECK(steady_clock::now() - start >= milliseconds(1000));
}

TEST_CASE("a dropped connection is retried for a GET and reported as maybe applied for a POST") {
    DroppingServer server;
    Session session = session_with(quick_policy());
    auto get = session.send({"GET", server.url(), {}, {}}, Idempotency::idempotent);
    REQUIRE_FALSE(get.ok());
    CHECK(get.error().kind == ErrorKind::unavailable);
    CHECK_FALSE(get.error().maybe_applied);
    CHECK(server.accepted > 3);

    server.accepted = 0;
    auto post = session.send({"POST", server.url(), {}, "{}"}, Idempotency::not_idempotent);
    REQUIRE_FALSE(post.ok());
    CHECK(post.error().maybe_applied);
    CHECK(server.accepted == 1);
}

namespace {

// A self-signed certificate for 127.0.0.1 made with the openssl command, in a temporary directory.
struct SelfSigned {
    std::filesystem::path dir, cert, key;
    SelfSigned() {
        dir = std::filesystem::temp_directory_path() / ("staffeln-tls-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        cert = dir / "cert.pem";
        key = dir / "key.pem";
        const std::string command =
            "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
            "-addext subjectAltName=IP:127.0.0.1 -keyout " +
            key.string() + " -out " + cert.string() + " 2>/dev/null";
        REQUIRE(std::system(command.c_str()) == 0);
    }
    ~SelfSigned() { std::filesystem::remove_all(dir); }
};

}  // namespace

TEST_CASE("TLS: the CA bundle, insecure and a client certificate reach libcurl") {
    SelfSigned tls;
    // The server trusts its own certificate as the only client CA, so the client presents the same pair.
    httplib::SSLServer server(tls.cert.c_str(), tls.key.c_str(), tls.cert.c_str());
    server.set_keep_alive_max_count(1);
    server.Get("/v3",
               [](const httplib::Request&, httplib::Response& res) { res.set_content("{}", "application/json"); });
    const int port = server.bind_to_any_port("127.0.0.1");
    std::thread thread([&] { server.listen_after_bind(); });
    const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/v3";
    auto get = [&](net::TlsOptions options) {
        return net::Transport(net::TransportOptions{milliseconds(10000), milliseconds(20000), options})
            .perform({"GET", url, {}, {}});
    };

    auto unknown_ca = get({"", false, tls.cert.string(), tls.key.string()});
    REQUIRE_FALSE(unknown_ca.ok());
    CHECK(unknown_ca.error().kind == ErrorKind::invalid_input);
    CHECK(unknown_ca.error().message.starts_with("GET " + url + ": "));

    auto trusted = get({tls.cert.string(), false, tls.cert.string(), tls.key.string()});
    REQUIRE(trusted.ok());
    CHECK(trusted->status == 200);
    auto insecure = get({"", true, tls.cert.string(), tls.key.string()});
    REQUIRE(insecure.ok());

    auto no_client_cert = get({tls.cert.string(), false, "", ""});
    CHECK_FALSE(no_client_cert.ok());

    server.stop();
    thread.join();
}

TEST_CASE("TLS: a FIFO or a directory as the CA, certificate or key file is refused at once, naming it") {
    SelfSigned tls;
    httplib::SSLServer server(tls.cert.c_str(), tls.key.c_str());
    server.set_keep_alive_max_count(1);
    std::atomic<int> answered{0};
    server.Get("/v3", [&](const httplib::Request&, httplib::Response& res) {
        ++answered;
        res.set_content("{}", "application/json");
    });
    const int port = server.bind_to_any_port("127.0.0.1");
    std::thread thread([&] { server.listen_after_bind(); });
    const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/v3";
    const auto fifo = tls.dir / "fifo.pem";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);

    for (net::TlsOptions options : {net::TlsOptions{fifo.string(), false, "", ""},
                                    net::TlsOptions{tls.cert.string(), false, fifo.string(), tls.key.string()},
                                    net::TlsOptions{tls.cert.string(), false, tls.cert.string(), fifo.string()},
                                    net::TlsOptions{tls.dir.string(), false, "", ""}}) {
        CAPTURE(options.cacert);
        CAPTURE(options.cert);
        CAPTURE(options.key);
        std::atomic<bool> done{false};
        Result<net::HttpResponse> got = make_error(ErrorKind::internal, "not run");
        std::thread request([&] {
            got = net::Transport(net::TransportOptions{milliseconds(5000), milliseconds(5000), options})
                      .perform({"GET", url, {}, {}});
            done = true;
        });
        const auto deadline = steady_clock::now() + std::chrono::seconds(10);
        while (!done && steady_clock::now() < deadline) std::this_thread::sleep_for(milliseconds(10));
        // A reader stuck in open() on the FIFO is let go by a writer that opens and closes it.
        if (!done) ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK));
        request.join();
        REQUIRE_MESSAGE(done.load(), "the request waited on a FIFO");
        REQUIRE_FALSE(got.ok());
        CHECK(got.error().kind == ErrorKind::invalid_input);
        CHECK(got.error().message.starts_with("GET " + url + ": "));
        const bool names_fifo = got.error().message.find(fifo.string()) != std::string::npos;
        const bool names_dir = got.error().message.find(tls.dir.string()) != std::string::npos;
        CHECK((names_fifo || names_dir));
    }
    CHECK(answered == 0);
    server.stop();
    thread.join();
}

TEST_CASE("an unreachable Keystone is an unavailable error naming its URL once retry_timeout is spent") {
    Credentials credentials;
    credentials.auth_url = "http://127.0.0.1:" + std::to_string(free_port()) + "/identity";
    credentials.username = "admin";
    credentials.password = "pw";
    credentials.project_name = "admin";
    credentials.source = "environment";
    Session session(credentials, quick_policy(), net::TransportOptions{});
    const auto start = steady_clock::now();
    auto project = session.own_project_id();
    REQUIRE_FALSE(project.ok());
    CHECK(project.error().kind == ErrorKind::unavailable);
    CHECK(project.error().message.starts_with("authenticating with environment: POST " + credentials.auth_url +
                                              "/v3/auth/tokens: "));
    CHECK(steady_clock::now() - start >= milliseconds(600));
}

TEST_CASE("below volume 3.43 backups are created without metadata, and asking for metadata is refused unsent") {
    std::atomic<int> creates{0};
    std::string version_header;
    std::mutex mutex;
    int port = 0;
    LoopbackServer server([&](httplib::Server& s) {
        s.Post("/identity/v3/auth/tokens", [&](const httplib::Request&, httplib::Response& res) {
            const std::string cinder = "http://127.0.0.1:" + std::to_string(port) + "/volume/v3/p1";
            const Json token{
                {"token",
                 {{"expires_at", "2099-01-01T00:00:00.000000Z"},
                  {"user", {{"id", "u1"}}},
                  {"project", {{"id", "p1"}}},
                  {"catalog",
                   {{{"type", "block-storage"},
                     {"name", "cinder"},
                     {"endpoints", {{{"interface", "public"}, {"region_id", "RegionOne"}, {"url", cinder}}}}}}}}}};
            res.status = 201;
            res.set_header("X-Subject-Token", "tok");
            res.set_content(token.dump(), "application/json");
        });
        s.Get("/volume/", [](const httplib::Request&, httplib::Response& res) {
            res.status = 300;
            res.set_content(
                R"({"versions": [{"id": "v3.0", "status": "CURRENT", "version": "3.42", "min_version": "3.0"}]})",
                "application/json");
        });
        s.Post("/volume/v3/p1/backups", [&](const httplib::Request& req, httplib::Response& res) {
            ++creates;
            std::lock_guard lock(mutex);
            version_header = req.get_header_value("OpenStack-API-Version");
            res.status = 202;
            res.set_content(R"({"backup": {"id": "b1", "name": "n", "links": []}})", "application/json");
        });
    });
    port = std::stoi(server.url("").substr(std::string("http://127.0.0.1:").size()));
    Credentials credentials;
    credentials.auth_url = server.url("/identity/v3");
    credentials.username = "admin";
    credentials.password = "pw";
    credentials.project_id = "p1";
    Cloud cloud(credentials, quick_policy());
    CHECK_FALSE(*cloud.cinder().supports_backup_metadata());

    auto tagged = cloud.cinder().create_backup({"", "v1", "n", "", false, false, "", {{"staffeln:task", "t"}}});
    REQUIRE_FALSE(tagged.ok());
    CHECK(tagged.error().kind == ErrorKind::invalid_input);
    CHECK(tagged.error().message ==
          "cinder POST /backups for volume v1: backup metadata needs volume microversion "
          "3.43, which this cloud does not offer");
    CHECK(creates == 0);

    auto plain = cloud.cinder().create_backup({"", "v1", "n", "staffeln:task=t", false, false, "", {}});
    REQUIRE(plain.ok());
    CHECK(*plain == "b1");
    CHECK(version_header == "volume 3.0");
}

TEST_CASE("under a send guard that refuses, a request is never sent: conflict, not maybe applied") {
    std::atomic<int> received{0};
    LoopbackServer server([&](httplib::Server& s) {
        s.Post("/backups", [&](const httplib::Request&, httplib::Response& res) {
            ++received;
            res.status = 202;
        });
    });
    net::Transport transport(net::TransportOptions{});
    std::atomic<bool> still_held{true};
    net::SendGuard guard([&] { return still_held.load(); });
    auto sent = transport.perform({"POST", server.url("/backups"), {}, "{}"});
    REQUIRE(sent.ok());
    CHECK(received == 1);
    still_held = false;
    auto refused = transport.perform({"POST", server.url("/backups"), {}, "{}"});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::conflict);
    CHECK_FALSE(refused.error().maybe_applied);
    CHECK(refused.error().message ==
          "POST " + server.url("/backups") + ": not sent: the lock it needs is no longer held");
    CHECK(received == 1);
}
