#include "simcloud/server.h"

#include "simcloud/cinder.h"
#include "simcloud/ids.h"
#include "simcloud/keystone.h"
#include "simcloud/nova.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdlib>

namespace staffeln::sim {
namespace {

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        if (slash > start) out.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return out;
}

int port_of(const sockaddr_storage& a) {
    if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
    if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
    return -1;
}

// httplib does not hand handlers their socket, so find it by its two ports and shut it down:
// the client sees the connection close with no answer, like a crashed or reset backend.
void drop_connection(const httplib::Request& req) {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return;
    while (dirent* entry = readdir(dir)) {
        int fd = std::atoi(entry->d_name);
        if (fd <= 2) continue;
        sockaddr_storage local{}, peer{};
        socklen_t ll = sizeof local, pl = sizeof peer;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll) != 0) continue;
        if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl) != 0) continue;
        if (port_of(local) != req.local_port || port_of(peer) != req.remote_port) continue;
        linger hard{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        shutdown(fd, SHUT_RDWR);
        break;
    }
    closedir(dir);
}

void write(const Reply& reply, httplib::Response& res) {
    res.status = reply.status;
    std::string content_type = "application/json";
    for (const auto& [k, v] : reply.headers) {
        if (k == "Content-Type")
            content_type = v;
        else
            res.set_header(k.c_str(), v);
    }
    bool labelled = false;
    for (const auto& [k, v] : reply.headers) labelled = labelled || k == "Content-Type";
    if (!reply.body.empty())
        res.set_content(reply.body, content_type.c_str());
    else if (labelled)  // an empty answer labelled anyway, as Cinder's volume delete (text/html)
        res.set_header("Content-Type", content_type);
}

Reply not_found() {
    return json_reply(404, {{"error", {{"code", 404}, {"message", "The resource could not be found."}}}});
}

}  // namespace

SimServer::SimServer(Cloud& cloud, ServerOptions options) : cloud_(cloud), options_(std::move(options)) {
    size_t threads = options_.threads;
    http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http_.set_payload_max_length(options_.max_payload_bytes);
    http_.set_read_timeout(options_.read_timeout_s, 0);
    http_.set_write_timeout(options_.write_timeout_s, 0);
    http_.set_keep_alive_max_count(options_.keep_alive_max);
    http_.set_keep_alive_timeout(5);
    // Nova and Cinder behind Apache or uWSGI answer at once; with Nagle on, an answer on a reused
    // connection waited for the client's delayed ACK (40 ms) and every request cost that.
    http_.set_tcp_nodelay(true);
    // httplib's default adds SO_REUSEPORT, which lets a second server bind a busy port silently.
    http_.set_socket_options([](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { serve(req, res); };
    http_.Get(".*", handler);
    http_.Post(".*", handler);
    http_.Put(".*", handler);
    http_.Patch(".*", handler);
    http_.Delete(".*", handler);
}

SimServer::~SimServer() { stop(); }

Result<int> SimServer::start() {
    port_ = options_.port == 0 ? http_.bind_to_any_port(options_.host.c_str())
                               : (http_.bind_to_port(options_.host.c_str(), options_.port) ? options_.port : -1);
    if (port_ <= 0)
        return make_error(ErrorKind::unavailable,
                          fmt::format("cannot listen on {}:{} (port in use?)", options_.host, options_.port));
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    return port_;
}

void SimServer::stop() {
    if (!thread_.joinable()) return;
    http_.stop();
    thread_.join();
}

std::string SimServer::base_url() const { return fmt::format("http://{}:{}", options_.host, port_); }

void SimServer::serve(const httplib::Request& req, httplib::Response& res) {
    std::vector<std::string> segs = split_path(req.path);
    Call call{req, {}, base_url(), now_micros()};
    if (segs.empty()) return write(not_found(), res);
    call.segs.assign(segs.begin() + 1, segs.end());
    if (segs[0] == "_sim") return write(control_.handle(cloud_, call), res);

    control_.count(req.method, req.path);
    FaultDecision fault = control_.decide(req.method, req.path);
    if (fault.latency.count() > 0) std::this_thread::sleep_for(fault.latency);
    if (fault.drop) {
        drop_connection(req);
        res.status = 500;
        return;
    }
    if (fault.error_status) {
        Reply injected = injected_error(req.path, *fault.error_status, fault.retry_after_s);
        std::string request_id = new_request_id();
        injected.headers.emplace_back("X-OpenStack-Request-Id", request_id);
        if (segs[0] != "identity") injected.headers.emplace_back("X-Compute-Request-Id", request_id);
        return write(injected, res);
    }

    MutexLock lock(cloud_.mutex);
    call.now = now_micros();
    cloud_.advance(call.now);
    if (fault.expire_token && req.has_header("X-Auth-Token")) {
        auto token = cloud_.tokens.find(req.get_header_value("X-Auth-Token"));
        if (token != cloud_.tokens.end()) token->second.expires = std::min(token->second.expires, call.now);
    }
    if (segs[0] == "identity") return write(handle_keystone(cloud_, call), res);
    if (segs[0] == "compute") return write(handle_nova(cloud_, call), res);
    if (segs[0] == "volume") return write(handle_cinder(cloud_, call), res);
    write(not_found(), res);
}

}  // namespace staffeln::sim
