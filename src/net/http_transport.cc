#include "staffeln/net/http_transport.h"

#include "staffeln/regular_file.h"
#include "staffeln/url_password.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace staffeln::net {
namespace {

// No page of any listing comes near this; a larger answer is a broken or hostile peer.
constexpr std::size_t max_response_bytes = 64u << 20;
// Debian's whole CA bundle is about 220 KB; a PEM file beyond this is not one.
constexpr std::size_t kMaxPemFileBytes = 8u << 20;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

struct Sink {
    HttpResponse* response;
    bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    const size_t n = size * count;
    if (sink->response->body.size() + n > max_response_bytes) {
        sink->too_large = true;
        return 0;
    }
    sink->response->body.append(data, n);
    return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* response = static_cast<HttpResponse*>(user);
    const std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
        response->headers.clear();  // a new status line (after 100 Continue or a redirect)
        return line.size();
    }
    const auto colon = line.find(':');
    if (colon != std::string_view::npos)
        response->headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    return line.size();
}

CURL* thread_handle() {
    static std::once_flag global_init;
    std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    thread_local std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl_easy_init(), &curl_easy_cleanup);
    curl_easy_reset(handle.get());  // keeps the connection cache, drops the last request's options
    return handle.get();
}

// The one place where libcurl's codes become staffeln errors.
Error error_from_curl(CURLcode code, const HttpRequest& request, const TransportOptions& options, const char* detail,
                      bool request_sent) {
    const std::string where = fmt::format("{} {}", request.method, redact_url(request.url));
    const std::string why = detail[0] != '\0' ? detail : curl_easy_strerror(code);
    Error error;
    switch (code) {
        case CURLE_ABORTED_BY_CALLBACK:
            return make_error(ErrorKind::conflict,
                              fmt::format("{}: not sent: the lock it needs is no longer held", where));
        case CURLE_OPERATION_TIMEDOUT:
            error = make_error(ErrorKind::timeout, fmt::format("{}: no answer within {} ms ({})", where,
                                                               options.total_timeout.count(), why));
            break;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_PEER_FAILED_VERIFICATION:
            error = make_error(ErrorKind::invalid_input, fmt::format("{}: {}", where, why));
            break;
        default:
            error = make_error(ErrorKind::unavailable, fmt::format("{}: {}", where, why));
            break;
    }
    error.maybe_applied = request_sent;
    return error;
}

void set_method_and_body(CURL* curl, const HttpRequest& request) {
    if (request.method == "GET") return;
    if (request.method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
        return;
    }
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    // libcurl silently sends a request again when a reused connection dies before any answer;
    // a POST may create something, so it gets a connection of its own and is never re-sent unseen.
    // Closing it afterwards keeps idle connections from piling up on the server.
    if (request.method == "POST") {
        curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
    }
    if (request.method != "DELETE" || !request.body.empty()) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
}

// A PEM file given by name is read here, through the reader that refuses a FIFO, a device or a
// file over the limit, and handed to libcurl as bytes: libcurl would open the name itself with a
// blocking open (a FIFO hangs the thread for ever), and again for each new connection, so a
// file replaced in between could be read as anything. curl copies the bytes (CURL_BLOB_COPY).
Status set_pem(CURL* curl, CURLoption option, const std::string& path, std::string_view what) {
    if (path.empty()) return {};
    auto text = read_regular_file(path, what, kMaxPemFileBytes);
    if (!text) return make_error(ErrorKind::invalid_input, text.error().message);
    curl_blob blob{text->data(), text->size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, option, &blob);
    return {};
}

Status set_tls(CURL* curl, const TlsOptions& tls) {
    if (auto set = set_pem(curl, CURLOPT_CAINFO_BLOB, tls.cacert, "CA file"); !set) return set;
    if (tls.insecure) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (auto set = set_pem(curl, CURLOPT_SSLCERT_BLOB, tls.cert, "client certificate file"); !set) return set;
    return set_pem(curl, CURLOPT_SSLKEY_BLOB, tls.key, "client key file");
}

thread_local const std::function<bool()>* current_guard = nullptr;

int check_guard(void* user, char*, char*, int, int) {
    const auto* allowed = static_cast<const std::function<bool()>*>(user);
    return (*allowed)() ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}

}  // namespace

SendGuard::SendGuard(std::function<bool()> allowed) : allowed_(std::move(allowed)), outer_(current_guard) {
    current_guard = &allowed_;
}
SendGuard::~SendGuard() { current_guard = outer_; }
const std::function<bool()>* SendGuard::current() { return current_guard; }

std::string HttpResponse::header(std::string_view name) const {
    auto it = headers.find(lower(name));
    return it == headers.end() ? std::string() : it->second;
}

Result<HttpResponse> Transport::perform(const HttpRequest& request) const {
    CURL* curl = thread_handle();
    if (curl == nullptr) return make_error(ErrorKind::internal, "libcurl could not create a handle");
    HttpResponse response;
    Sink sink{&response};
    char detail[CURL_ERROR_SIZE] = {0};

    curl_slist* headers = curl_slist_append(nullptr, "Expect:");
    for (const auto& [name, value] : request.headers)
        headers = curl_slist_append(headers, fmt::format("{}: {}", name, value).c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_guard(headers, &curl_slist_free_all);

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
    set_method_and_body(curl, request);
    if (auto tls = set_tls(curl, options_.tls); !tls)
        return make_error(ErrorKind::invalid_input,
                          fmt::format("{} {}: {}", request.method, redact_url(request.url), tls.error().message));
    if (const auto* guard = SendGuard::current()) {
        curl_easy_setopt(curl, CURLOPT_PREREQFUNCTION, check_guard);
        curl_easy_setopt(curl, CURLOPT_PREREQDATA, guard);
    }

    const CURLcode code = curl_easy_perform(curl);
    if (sink.too_large)
        return make_error(ErrorKind::invalid_input, fmt::format("{} {}: response larger than {} bytes", request.method,
                                                                redact_url(request.url), max_response_bytes));
    if (code != CURLE_OK) {
        long sent_bytes = 0;
        curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &sent_bytes);
        return error_from_curl(code, request, options_, detail, sent_bytes > 0);
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
}

}  // namespace staffeln::net
