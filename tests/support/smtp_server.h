// A real SMTP server on loopback (tests/support/smtp_server.py, Debian's python3-aiosmtpd):
// STARTTLS with a self-signed certificate made here with the openssl CLI, AUTH for one
// user, recipients @rejected.example refused. Started by the constructor, stopped by the
// destructor; each received message is read back as JSON (envelope, decoded parts).
#pragma once

#include "support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace staffeln::testing {

class SmtpServer {
public:
    enum class Tls { starttls, none };
    SmtpServer(std::string user, std::string password, Tls tls = Tls::starttls);
    ~SmtpServer();
    SmtpServer(const SmtpServer&) = delete;
    SmtpServer& operator=(const SmtpServer&) = delete;

    int port() const { return port_; }
    std::filesystem::path ca_file() const { return dir_ / "cert.pem"; }
    std::vector<nlohmann::json> messages() const;

private:
    TempDir dir_;
    pid_t pid_ = -1;
    int port_ = 0;
};

}  // namespace staffeln::testing
