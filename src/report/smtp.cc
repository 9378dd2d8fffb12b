#include "staffeln/report/smtp.h"

#include "staffeln/regular_file.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cstring>
#include <memory>

namespace staffeln::report {
namespace {

constexpr long kImplicitTlsPort = 465;
// Debian's whole CA bundle is about 220 KB; a PEM file beyond this is not one.
constexpr std::size_t kMaxCaFileBytes = 8u << 20;

struct Upload {
    const std::string& data;
    std::size_t sent = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* upload = static_cast<Upload*>(user);
    auto n = std::min(size * count, upload->data.size() - upload->sent);
    std::memcpy(buffer, upload->data.data() + upload->sent, n);
    upload->sent += n;
    return n;
}

struct CurlDeleter {
    void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

Error classify(CURLcode code, const std::string& detail, long smtp_code, const SmtpSettings& s) {
    auto where = fmt::format("SMTP server {}:{}", s.host, s.port);
    auto why = detail.empty() ? std::string(curl_easy_strerror(code)) : detail;
    switch (code) {
        case CURLE_COULDNT_CONNECT:
            return make_error(ErrorKind::unavailable, fmt::format("{}: connection refused ({})", where, why));
        case CURLE_COULDNT_RESOLVE_HOST:
            return make_error(ErrorKind::unavailable, fmt::format("{}: host not found ({})", where, why));
        case CURLE_OPERATION_TIMEDOUT:
            return make_error(ErrorKind::timeout, fmt::format("{}: timed out ({})", where, why));
        case CURLE_LOGIN_DENIED:
            return make_error(ErrorKind::unauthorized,
                              fmt::format("{}: authentication failed for {} ({})", where, s.sender, why));
        case CURLE_PEER_FAILED_VERIFICATION:
            return make_error(ErrorKind::unavailable,
                              fmt::format("{}: its TLS certificate is not trusted ({}); [notification] smtp_ca_file "
                                          "names the CA to trust",
                                          where, why));
        case CURLE_SSL_CONNECT_ERROR:
            return make_error(ErrorKind::unavailable, fmt::format("{}: TLS handshake failed ({})", where, why));
        case CURLE_USE_SSL_FAILED:
            return make_error(ErrorKind::unavailable,
                              fmt::format("{}: the server does not offer STARTTLS, and the password is only sent over "
                                          "TLS ({})",
                                          where, why));
        default:
            break;
    }
    if (why.rfind("RCPT failed", 0) == 0)
        return make_error(ErrorKind::forbidden,
                          fmt::format("{}: recipient rejected (reply {}: {})", where, smtp_code, why));
    if (why.rfind("MAIL failed", 0) == 0)
        return make_error(ErrorKind::forbidden,
                          fmt::format("{}: sender {} rejected (reply {}: {})", where, s.sender, smtp_code, why));
    return make_error(ErrorKind::unavailable, fmt::format("{}: sending failed: {}", where, why));
}

// The CA file is read here, through the reader that refuses a FIFO or a device (libcurl's own
// blocking open would wait for ever on a FIFO), and given to libcurl as bytes.
Status set_transport(CURL* curl, const SmtpSettings& s, const std::string& url, char* errors) {
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errors);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(s.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(s.total_timeout.count()));
    bool authenticating = !s.sender.empty() && !s.password.empty();
    if (s.port != kImplicitTlsPort)
        curl_easy_setopt(curl, CURLOPT_USE_SSL,
                         authenticating ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_TRY));
    if (!s.ca_file.empty()) {
        auto ca = read_regular_file(s.ca_file, "SMTP CA file", kMaxCaFileBytes);
        if (!ca) return make_error(ErrorKind::invalid_input, ca.error().message);
        curl_blob blob{ca->data(), ca->size(), CURL_BLOB_COPY};
        curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (authenticating) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, s.sender.c_str());
        curl_easy_setopt(curl, CURLOPT_PASSWORD, s.password.c_str());
    }
    return {};
}

}  // namespace

std::string smtp_url(const SmtpSettings& s) {
    bool ipv6 = s.host.find(':') != std::string::npos;
    return fmt::format("{}://{}{}{}:{}", s.port == kImplicitTlsPort ? "smtps" : "smtp", ipv6 ? "[" : "", s.host,
                       ipv6 ? "]" : "", s.port);
}

Status send_mail(const SmtpSettings& settings, const std::vector<std::string>& recipients, const std::string& message) {
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) return make_error(ErrorKind::internal, "cannot start libcurl for SMTP");
    curl_slist* list = nullptr;
    for (const auto& address : recipients) {
        auto* grown = curl_slist_append(list, ("<" + address + ">").c_str());
        if (!grown) {
            curl_slist_free_all(list);
            return make_error(ErrorKind::internal, "out of memory building the SMTP recipient list");
        }
        list = grown;
    }
    std::unique_ptr<curl_slist, CurlDeleter> rcpt(list);
    char errors[CURL_ERROR_SIZE] = {};
    auto url = smtp_url(settings);
    if (auto set = set_transport(curl.get(), settings, url, errors); !set) return set;
    auto from = "<" + settings.sender + ">";
    curl_easy_setopt(curl.get(), CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_MAIL_RCPT, rcpt.get());
    Upload upload{message};
    curl_easy_setopt(curl.get(), CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(curl.get(), CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl.get(), CURLOPT_UPLOAD, 1L);
    CURLcode code = curl_easy_perform(curl.get());
    if (code == CURLE_OK) return {};
    long smtp_code = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &smtp_code);
    return classify(code, errors, smtp_code, settings);
}

}  // namespace staffeln::report
