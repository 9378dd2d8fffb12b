// One whole request already in memory, as the httplib::Stream its parser reads, with the
// answer appended to a string: what the event loop gives the parser, so parsing never waits.
#pragma once

#include <httplib.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

namespace staffeln::api {

class MemoryStream : public httplib::Stream {
public:
    MemoryStream(std::string_view request, std::string& out, const std::string& remote_ip)
        : request_(request), out_(out), remote_ip_(remote_ip) {}

    bool is_readable() const override { return true; }
    bool is_writable() const override { return true; }
    ssize_t read(char* ptr, size_t size) override {
        size_t n = std::min(size, request_.size());
        std::memcpy(ptr, request_.data(), n);
        request_.remove_prefix(n);
        return static_cast<ssize_t>(n);
    }
    ssize_t write(const char* ptr, size_t size) override {
        out_.append(ptr, size);
        return static_cast<ssize_t>(size);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        ip = remote_ip_;
        port = 0;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        ip.clear();
        port = 0;
    }
    socket_t socket() const override { return INVALID_SOCKET; }

private:
    std::string_view request_;
    std::string& out_;
    const std::string& remote_ip_;
};

}  // namespace staffeln::api
