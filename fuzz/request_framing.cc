// The API's request framing (api/request_framing.h) on any bytes: a verdict never depends on how
// the bytes were split into reads, a whole request ends within the bytes, and the next request
// of a pipeline is framed from where the last ended as if it came alone.
#include "fuzz_check.h"
#include "staffeln/api/request_framing.h"

#include <cstdint>

using namespace staffeln;
using staffeln::fuzz::check;

namespace {

// Fed in pieces of `step` bytes (the last smaller), until a verdict or the end.
api::Frame framed_in_pieces(std::string_view bytes, const api::FramingLimits& limits, std::size_t step) {
    api::RequestFramer framer(limits);
    api::Frame frame;
    for (std::size_t fed = 0; fed < bytes.size() && frame.state == api::Framing::incomplete;) {
        fed = std::min(bytes.size(), fed + step);
        frame = framer.next(bytes.substr(0, fed));
    }
    return frame;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) return 0;
    // Small limits from the first bytes, so that short inputs reach each of them.
    const api::FramingLimits limits{16u + data[0] % 64u, 24u + data[1] % 200u, data[2] % 128u, 8u + data[3] % 96u};
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 4, size - 4);
    const api::Frame whole = api::frame_request(bytes, limits);
    if (whole.state == api::Framing::complete)
        check(whole.length > 0 && whole.length <= bytes.size(), "a whole request ends within the bytes");
    else
        check(whole.length == 0, "only a whole request has a length");
    for (std::size_t step : {std::size_t{1}, std::size_t{2} + data[0] % 7u, std::size_t{64}}) {
        const api::Frame split = framed_in_pieces(bytes, limits, step);
        check(split.state == whole.state && split.length == whole.length,
              "the verdict is the same however the bytes were split into reads");
    }
    if (whole.state == api::Framing::complete) {
        api::RequestFramer framer(limits);
        check(framer.next(bytes).length == whole.length, "a framer frames what frame_request frames");
        framer.reset();
        const std::string_view rest = bytes.substr(whole.length);
        const api::Frame next = framer.next(rest);
        const api::Frame alone = api::frame_request(rest, limits);
        check(next.state == alone.state && next.length == alone.length,
              "after reset() the next request is framed as if it came alone");
    }
    return 0;
}
