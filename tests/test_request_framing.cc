// Request framing (api/request_framing.h): where a request ends, and what is refused, pure.
#include "staffeln/api/request_framing.h"

#include <doctest/doctest.h>

#include <string>

using namespace staffeln;

TEST_CASE("a request is whole once its head and its body by Content-Length or chunks have come") {
    api::FramingLimits limits{64, 256, 100};
    using api::Framing;
    auto state = [&](std::string_view text) { return api::frame_request(text, limits).state; };
    std::string get = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK(api::frame_request(get + "GET /next", limits).length == get.size());
    CHECK(state("GET /v1/health HTTP/1.1\r\nHost: x\r\n") == Framing::incomplete);
    std::string post = "POST /v1/backup?backup_id=a HTTP/1.1\r\ncontent-length: 5\r\n\r\n";
    CHECK(state(post + "abc") == Framing::incomplete);
    CHECK(api::frame_request(post + "abcdeXYZ", limits).length == post.size() + 5);
    std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    CHECK(state(chunked + "3\r\nabc\r\n") == Framing::incomplete);
    CHECK(api::frame_request(chunked + "3\r\nabc\r\n0\r\n\r\n", limits).length == chunked.size() + 13);
    CHECK(state(chunked + "40\r\n" + std::string(64, 'x') + "\r\n40\r\n") == Framing::body_too_large);
    CHECK(state(chunked + "zz\r\n") == Framing::bad);
    CHECK(state("GET /" + std::string(100, 'a')) == Framing::uri_too_long);
    CHECK(state("GET / HTTP/1.1\r\nX: " + std::string(300, 'h')) == Framing::head_too_large);
    CHECK(state("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n") == Framing::body_too_large);
    CHECK(state("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n") == Framing::bad);
    CHECK(state("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n") == Framing::bad);
    CHECK(state("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n") == Framing::bad);
    CHECK(state("GET / HTTP/1.1\nHost: x\n\n") == Framing::bad);
    CHECK(state("GET / HTTP/1.1\r\nHost: x\n\r\n") == Framing::bad);
    CHECK(state(chunked + "3\nabc\r\n0\r\n\r\n") == Framing::bad);
    CHECK(state(chunked + "3\r\nabc\n0\r\n\r\n") == Framing::bad);
    // A bare CR is no line end either, and a recipient must not take it as data (RFC 9112 2.2).
    CHECK(state("GET / HTTP/1.1\r\nHost: x\rTransfer-Encoding: chunked\r\n\r\n") == Framing::bad);
    CHECK(state("GET /\r HTTP/1.1\r\n\r\n") == Framing::bad);
    CHECK(state(chunked + "3\r;x\r\nabc\r\n0\r\n\r\n") == Framing::bad);
    CHECK(state(chunked + "0\r\nTrailer: a\rb\r\n\r\n") == Framing::bad);
    CHECK(state(chunked + "3\r\na\rc\r\n0\r\n\r\n") == Framing::complete);  // chunk data is data
    api::FramingLimits roomy{64, 20000, 100};
    CHECK(api::frame_request("GET / HTTP/1.1\r\nX: " + std::string(9000, 'h') + "\r\n\r\n", roomy).state ==
          Framing::header_line_too_long);
    std::string one_byte_chunks = chunked;
    for (int i = 0; i < 30; ++i) one_byte_chunks += "1\r\nx\r\n";
    CHECK(state(one_byte_chunks) == Framing::chunk_framing_too_large);
}

TEST_CASE("a request framed a byte at a time ends where it does when framed at once") {
    api::FramingLimits limits{64, 256, 100};
    std::string request =
        "POST /v1/backup?backup_id=a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: t\r\n\r\nGET /next";
    auto whole = api::frame_request(request, limits);
    REQUIRE(whole.state == api::Framing::complete);
    api::RequestFramer framer(limits);
    api::Frame frame;
    size_t fed = 0;
    while (fed < request.size() && frame.state == api::Framing::incomplete)
        frame = framer.next(std::string_view(request).substr(0, ++fed));
    CHECK(frame.state == api::Framing::complete);
    CHECK(frame.length == whole.length);
    CHECK(fed == whole.length);
    framer.reset();
    CHECK(framer.next("GET / HTTP/1.1\r\n\r\n").length == 18);
}

TEST_CASE("a header or trailer line past both limits gets the verdict of the limit its bytes passed first") {
    // Found by fuzz/request_framing: the head limit was checked first, so framed at once a line that
    // passed the line limit well before the head's got head_too_large, and framed a byte at a time
    // header_line_too_long.
    api::FramingLimits limits{64, 256, 100, 64};
    using api::Framing;
    auto verdicts = [&](const std::string& request) {
        api::RequestFramer framer(limits);
        api::Frame frame;
        for (std::size_t fed = 1; fed <= request.size() && frame.state == Framing::incomplete; ++fed)
            frame = framer.next(std::string_view(request).substr(0, fed));
        return std::pair{api::frame_request(request, limits).state, frame.state};
    };
    const std::string head = "GET / HTTP/1.1\r\n";
    // The line limit is passed at byte 16 + 64, long before the head's at 256.
    auto early = verdicts(head + "X: " + std::string(300, 'h') + "\r\n\r\n");
    CHECK(early.first == Framing::header_line_too_long);
    CHECK(early.second == Framing::header_line_too_long);
    // A line that starts at byte 226: the head limit (256) is passed before the line's (226 + 64).
    std::string late = head;
    while (late.size() < 226)
        late += "A: " + std::string(std::min<std::size_t>(40, 226 - late.size() - 5), 'a') + "\r\n";
    REQUIRE(late.size() == 226);
    auto at_end = verdicts(late + "X: " + std::string(100, 'h') + "\r\n\r\n");
    CHECK(at_end.first == Framing::head_too_large);
    CHECK(at_end.second == Framing::head_too_large);
    // Trailers are bounded alike, from where they start.
    const std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
    auto trailer = verdicts(chunked + "T: " + std::string(300, 't') + "\r\n\r\n");
    CHECK(trailer.first == Framing::header_line_too_long);
    CHECK(trailer.second == Framing::header_line_too_long);
}
