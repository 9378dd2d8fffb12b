// Sends one composed message over SMTP with libcurl. Port 465 is implicit TLS (smtps://);
// any other port upgrades with STARTTLS when the server offers it, and insists on it when a
// password is to be sent, so credentials never cross the network in clear. Failures come back
// classified: connection refused (unavailable), auth failed (unauthorized), recipient
// rejected (forbidden), timeouts; messages never contain the password.
#pragma once

#include "staffeln/result.h"

#include <chrono>
#include <string>
#include <vector>

namespace staffeln::report {

struct SmtpSettings {
    std::string host = "localhost";
    long port = 25;
    std::string sender;    // MAIL FROM, and the AUTH user when password is set
    std::string password;  // secret
    std::string ca_file;   // CA bundle to verify the server with; empty: the system's
    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds total_timeout{60};
};

// "smtps://host:465" for implicit TLS, "smtp://host:port" otherwise; IPv6 hosts bracketed.
std::string smtp_url(const SmtpSettings& settings);

Status send_mail(const SmtpSettings& settings, const std::vector<std::string>& recipients, const std::string& message);

}  // namespace staffeln::report
