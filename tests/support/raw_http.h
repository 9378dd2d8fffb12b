// HTTP/1.1 over a plain loopback socket, byte for byte, for tests of what a server does with
// requests no well-behaved client sends (pipelining, pieces, oversized or malformed heads).
// Linking this file ignores SIGPIPE, so that a server cutting a request off fails the next write
// instead of killing the test.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace staffeln::testing {

struct Answer {
    int status = 0;
    std::string body;
    std::string raw;
    bool closed = false;  // the server closed the connection before the timeout
};

// A connected loopback socket, or -1.
int connect_to(int port);

// Reads until the server closes or timeout passes.
std::string read_until_closed(int fd, std::chrono::milliseconds timeout);

// The first answer's status and body in raw.
Answer parse(std::string raw);

// Sends raw bytes and reads until the server closes (or the timeout).
Answer exchange(int port, const std::string& request, std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Sends every piece in its own write, then reads until the server closes (or the timeout).
Answer exchange_in_pieces(int port, const std::vector<std::string>& pieces,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The status codes of the answers in raw, in order.
std::vector<int> statuses_in(const std::string& raw);

// A GET of target that asks the server to close after answering.
std::string get(const std::string& target);

}  // namespace staffeln::testing
