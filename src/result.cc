#include "staffeln/result.h"

namespace staffeln {

const char* to_string(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::invalid_input:
            return "invalid input";
        case ErrorKind::not_found:
            return "not found";
        case ErrorKind::conflict:
            return "conflict";
        case ErrorKind::unauthorized:
            return "unauthorized";
        case ErrorKind::forbidden:
            return "forbidden";
        case ErrorKind::unavailable:
            return "unavailable";
        case ErrorKind::timeout:
            return "timeout";
        case ErrorKind::io:
            return "I/O error";
        case ErrorKind::corrupt:
            return "corrupt";
        case ErrorKind::internal:
            return "internal error";
    }
    return "unknown";
}

}  // namespace staffeln
