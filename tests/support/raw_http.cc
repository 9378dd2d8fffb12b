#include "support/raw_http.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

namespace staffeln::testing {

namespace {

using SteadyClock = std::chrono::steady_clock;

// Ignored for the whole test process: see the header.
const bool kSigpipeIgnored = (::signal(SIGPIPE, SIG_IGN), true);

}  // namespace

int connect_to(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::string read_until_closed(int fd, std::chrono::milliseconds timeout) {
    std::string got;
    auto until = SteadyClock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - SteadyClock::now()).count();
        if (left <= 0) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
        char buf[8192];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
    }
    return got;
}

Answer parse(std::string raw) {
    Answer a;
    a.raw = std::move(raw);
    if (a.raw.rfind("HTTP/1.1 ", 0) == 0) a.status = std::stoi(a.raw.substr(9, 3));
    auto head_end = a.raw.find("\r\n\r\n");
    if (head_end != std::string::npos) a.body = a.raw.substr(head_end + 4);
    return a;
}

Answer exchange(int port, const std::string& request, std::chrono::milliseconds timeout) {
    int fd = connect_to(port);
    REQUIRE(fd >= 0);
    size_t sent = 0;
    while (sent < request.size()) {
        ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
    }
    auto start = SteadyClock::now();
    auto answer = parse(read_until_closed(fd, timeout));
    answer.closed = SteadyClock::now() - start < timeout;
    ::close(fd);
    return answer;
}

Answer exchange_in_pieces(int port, const std::vector<std::string>& pieces, std::chrono::milliseconds timeout) {
    int fd = connect_to(port);
    REQUIRE(fd >= 0);
    for (const auto& piece : pieces)
        if (::send(fd, piece.data(), piece.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(piece.size())) break;
    auto start = SteadyClock::now();
    auto answer = parse(read_until_closed(fd, timeout));
    answer.closed = SteadyClock::now() - start < timeout;
    ::close(fd);
    return answer;
}

std::vector<int> statuses_in(const std::string& raw) {
    std::vector<int> found;
    for (auto at = raw.find("HTTP/1.1 "); at != std::string::npos; at = raw.find("HTTP/1.1 ", at + 1))
        found.push_back(std::stoi(raw.substr(at + 9, 3)));
    return found;
}

std::string get(const std::string& target) {
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
}

}  // namespace staffeln::testing
