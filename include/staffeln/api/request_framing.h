// Where one HTTP/1.1 request ends in the bytes received so far: the event loop hands a request
// to the parser only once it is whole, and refuses it as soon as a limit is passed (request
// line, header line, head, body by Content-Length or chunks, chunk framing) or framing is bad.
// Each call resumes where the last stopped, so a request costs time linear in its size, and the
// verdict on given bytes is the same however they were split into calls.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace staffeln::api {

// httplib's own limit on one header line with its CRLF (CPPHTTPLIB_HEADER_MAX_LENGTH, compiled
// into Debian's library): a longer line gets 431 here rather than a bare 400 from httplib.
constexpr std::size_t kHeaderLineBytes = 8192;

struct FramingLimits {
    std::size_t request_line_bytes;
    std::size_t head_bytes;
    std::size_t body_bytes;  // also bounds the chunk-size lines and CRLFs of a chunked body
    std::size_t header_line_bytes = kHeaderLineBytes;
};

// bad: malformed, including a line ended by a bare LF or holding a bare CR. RFC 9112 2.2: "a
// recipient MAY recognize a single LF as a line terminator" (it need not: here it is 400 at once,
// not a wait for a CRLF until 408), and "a recipient of such a bare CR MUST consider that element
// to be invalid or replace each bare CR with SP". The request line, header lines, chunk lines and
// trailers are treated alike, so no two parsers (this one, httplib's) disagree on where a line ends.
enum class Framing {
    incomplete,
    complete,
    uri_too_long,
    header_line_too_long,
    head_too_large,
    body_too_large,
    chunk_framing_too_large,
    bad
};

struct Frame {
    Framing state = Framing::incomplete;
    std::size_t length = 0;  // bytes of the whole request, when complete
};

class RequestFramer {
public:
    explicit RequestFramer(const FramingLimits& limits) : limits_(limits) {}

    // received: the request's bytes from its first, as many as have come; each call until
    // reset() passes the same bytes and perhaps more. Work resumes where the last call stopped.
    Frame next(std::string_view received);
    // For the next request, whose first byte is then received's first.
    void reset() { *this = RequestFramer(limits_); }

private:
    enum class Stage { request_line, headers, fixed_body, chunk_size, chunk_data, trailers };
    enum class Line { whole, partial, too_long, bare_cr_or_lf };
    Line next_line(std::string_view received, std::size_t max, std::string_view& line, std::size_t& end);
    std::optional<Frame> over_limit(Line got, std::size_t end, std::size_t head_start) const;
    std::optional<Frame> head_line(std::string_view received);
    std::optional<Frame> end_of_head();
    std::optional<Frame> chunk_size_line(std::string_view received);
    std::optional<Frame> trailer_line(std::string_view received);
    void header(std::string_view line);

    FramingLimits limits_;
    Stage stage_ = Stage::request_line;
    std::size_t pos_ = 0;      // where the next unparsed line or data starts
    std::size_t scanned_ = 0;  // no LF between pos_ and here
    bool chunked_ = false;
    bool bad_ = false;
    std::optional<std::size_t> content_length_;
    std::size_t body_end_ = 0;    // fixed body: where the request ends
    std::size_t chunk_left_ = 0;  // data bytes of the current chunk
    std::size_t body_ = 0;        // chunk data so far
    std::size_t framing_ = 0;     // chunk-size lines and CRLFs so far
    std::size_t trailers_start_ = 0;
};

// A whole request at the start of received, framed in one go.
Frame frame_request(std::string_view received, const FramingLimits& limits);

}  // namespace staffeln::api
