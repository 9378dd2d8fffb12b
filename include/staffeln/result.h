// Result<T>: a value or a typed Error. Every module boundary returns one, so callers
// decide about retries and reporting from the kind, never by parsing text.
// Error::message is one human line that already names what failed and where.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace staffeln {

enum class ErrorKind {
    invalid_input,  // config, CLI flag, request or response that is malformed
    not_found,
    conflict,      // state forbids it now (e.g. Cinder 400 "Incremental backups exist")
    unauthorized,  // 401: credentials missing, wrong or expired
    forbidden,     // 403: authenticated but not allowed
    unavailable,   // connection refused, 5xx, 429, lock held elsewhere
    timeout,
    io,       // local file system or database
    corrupt,  // stored state that cannot be read
    internal,
};

const char* to_string(ErrorKind kind);

struct Error {
    ErrorKind kind = ErrorKind::internal;
    std::string message;
    int http_status = 0;         // set by the OpenStack client
    std::string request_id;      // X-OpenStack-Request-Id, when the cloud sent one
    bool maybe_applied = false;  // a create that failed after it was sent: reconcile, never resend

    // Prefixes context ("loading /etc/staffeln/staffeln.conf: ") and returns *this.
    Error& context(const std::string& what) {
        message = what + ": " + message;
        return *this;
    }
};

inline Error make_error(ErrorKind kind, std::string message) { return Error{kind, std::move(message), 0, {}}; }

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    const Error& error() const { return std::get<1>(v_); }
    Error& error() { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), failed_(true) {}

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return error_; }
    Error& error() { return error_; }

private:
    Error error_;
    bool failed_ = false;
};

using Status = Result<void>;

}  // namespace staffeln
