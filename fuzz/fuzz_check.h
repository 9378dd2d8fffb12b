// What the harnesses share: a property check that fails the run (libFuzzer saves the input as a
// crash artifact) with a message saying which property broke, and an in-memory regular file for
// parsers that read a path.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace staffeln::fuzz {

inline void check(bool holds, std::string_view property) {
    if (holds) return;
    std::fprintf(stderr, "property broken: %.*s\n", static_cast<int>(property.size()), property.data());
    std::abort();
}

// Printable ASCII and newlines only: what the product promises of its error messages.
inline bool printable(std::string_view text) {
    for (unsigned char c : text)
        if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
    return true;
}

// A memfd: a regular file without the disk, rewritten for each input; path() names it for open().
class MemoryFile {
public:
    MemoryFile() : fd_(::memfd_create("staffeln-fuzz", 0)) { check(fd_ >= 0, "memfd_create works"); }
    ~MemoryFile() { ::close(fd_); }
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;

    void write(std::string_view text) {
        check(::ftruncate(fd_, 0) == 0, "the memfd can be emptied");
        check(::pwrite(fd_, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()),
              "the memfd takes the input");
    }
    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
    int fd_;
};

}  // namespace staffeln::fuzz
