// The API's event loops (api/event_loop.h) in this process, on a socket pair.
#include "staffeln/api/event_loop.h"
#include "support/raw_http.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

using namespace staffeln;
using namespace staffeln::testing;
using namespace std::chrono_literals;

namespace {

// Whether an epoll set of this process watches the file with this inode. A closed descriptor
// leaves the epoll sets it was in only once nothing else refers to its file.
bool in_an_epoll_set(ino_t inode) {
    std::string ino = fmt::format(" ino:{:x} ", inode);
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code error;
        if (std::filesystem::read_symlink(entry.path(), error) != "anon_inode:[eventpoll]") continue;
        std::ifstream info("/proc/self/fdinfo/" + entry.path().filename().string());
        std::string line;
        while (std::getline(info, line))
            if (line.rfind("tfd:", 0) == 0 && line.find(ino) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

// Closing a descriptor takes its socket out of epoll sets only once nothing else refers to it. The
// accepting thread's epoll_ctl(ADD) does for a moment, while a loop thread may already have answered
// and closed a fresh connection: the shut-down socket went on reporting events for the freed
// connection, which was freed again (issue 7, a double free under load). dup() stands for that.
TEST_CASE("a connection the event loop closed leaves its epoll set while its socket is still referred to") {
    api::Limits limits;
    limits.event_loops = 1;
    std::atomic<int> answered{0};
    api::EventLoops loops(limits, [&](const api::Exchange& exchange) {
        exchange.out += "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nTrue";
        ++answered;
        return api::AnswerEnd::close;
    });
    int ends[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) == 0);
    int served = ends[0], client = ends[1];
    REQUIRE(::fcntl(served, F_SETFL, O_NONBLOCK) == 0);
    struct stat socket_file {};
    REQUIRE(::fstat(served, &socket_file) == 0);
    int other_reference = ::dup(served);
    loops.adopt(served);
    std::string request = "GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    REQUIRE(::send(client, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    auto answer = parse(read_until_closed(client, 5s));
    CHECK(answer.body == "True");
    CHECK_FALSE(in_an_epoll_set(socket_file.st_ino));
    CHECK(answered == 1);
    ::close(other_reference);
    ::close(client);
}
