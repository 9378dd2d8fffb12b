// Where one HTTP/1.1 request ends in the bytes received so far, as a plain function: the
// event loop hands a request to the parser only once it is whole, and refuses it as soon as
// a limit is passed (request line, head, body by Content-Length or chunks) or framing is bad.
#pragma once

#include <cstddef>
#include <string_view>

namespace staffeln::api {

struct FramingLimits {
    std::size_t request_line_bytes;
    std::size_t head_bytes;
    std::size_t body_bytes;
};

enum class Framing { incomplete, complete, uri_too_long, head_too_large, body_too_large, bad };

struct Frame {
    Framing state = Framing::incomplete;
    std::size_t length = 0;  // bytes of the whole request, when complete
};

Frame frame_request(std::string_view received, const FramingLimits& limits);

}  // namespace staffeln::api
