#include "simcloud/client_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace staffeln::sim {
namespace {

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string yaml_quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out + "\"";
}

}  // namespace

std::string openrc_text(const ClientCredentials& c) {
    std::string out = "# staffeln-simcloud: source this file to point OpenStack clients at the simulated cloud.\n";
    auto line = [&](const char* k, const std::string& v) { out += fmt::format("export {}={}\n", k, shell_quote(v)); };
    line("OS_AUTH_URL", c.auth_url);
    line("OS_USERNAME", c.username);
    line("OS_PASSWORD", c.password);
    line("OS_PROJECT_NAME", c.project_name);
    line("OS_USER_DOMAIN_NAME", c.user_domain);
    line("OS_PROJECT_DOMAIN_NAME", c.project_domain);
    line("OS_REGION_NAME", c.region);
    line("OS_INTERFACE", "public");
    line("OS_IDENTITY_API_VERSION", "3");
    return out;
}

std::string clouds_yaml_text(const ClientCredentials& c) {
    return fmt::format(
        "clouds:\n"
        "  simcloud:\n"
        "    auth:\n"
        "      auth_url: {}\n"
        "      username: {}\n"
        "      password: {}\n"
        "      project_name: {}\n"
        "      user_domain_name: {}\n"
        "      project_domain_name: {}\n"
        "    region_name: {}\n"
        "    interface: public\n"
        "    identity_api_version: 3\n",
        yaml_quote(c.auth_url), yaml_quote(c.username), yaml_quote(c.password), yaml_quote(c.project_name),
        yaml_quote(c.user_domain), yaml_quote(c.project_domain), yaml_quote(c.region));
}

Status write_private_file(const std::string& path, const std::string& content) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return make_error(ErrorKind::io, fmt::format("writing {}: {}", path, std::strerror(errno)));
    bool ok = ::fchmod(fd, 0600) == 0;
    size_t done = 0;
    while (ok && done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<size_t>(n);
    }
    int saved = errno;
    if (::close(fd) != 0) ok = false;
    if (!ok) return make_error(ErrorKind::io, fmt::format("writing {}: {}", path, std::strerror(saved)));
    return {};
}

}  // namespace staffeln::sim
