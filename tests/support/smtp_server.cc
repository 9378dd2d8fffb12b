#include "smtp_server.h"
#include "support/paths.h"

#include "process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace staffeln::testing {
namespace {

namespace fs = std::filesystem;

const std::string kServerScript = std::string(staffeln::testing::kSourceDir) + "/tests/support/smtp_server.py";

void make_certificate(const TempDir& dir) {
    auto made =
        run_process({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                     "-keyout", (dir / "key.pem").string(), "-out", (dir / "cert.pem").string()});
    if (made.exit_code != 0) throw std::runtime_error("openssl req failed: " + made.err);
}

}  // namespace

SmtpServer::SmtpServer(std::string user, std::string password, Tls tls) {
    make_certificate(dir_);
    fs::create_directories(dir_ / "mail");
    std::vector<std::string> argv{"/usr/bin/python3",
                                  kServerScript,
                                  "--port-file",
                                  (dir_ / "port").string(),
                                  "--maildir",
                                  (dir_ / "mail").string(),
                                  "--cert",
                                  ca_file().string(),
                                  "--key",
                                  (dir_ / "key.pem").string(),
                                  "--user",
                                  user,
                                  "--password",
                                  password};
    if (tls == Tls::none) argv.emplace_back("--no-starttls");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    for (int i = 0; i < 200 && !fs::exists(dir_ / "port"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!fs::exists(dir_ / "port")) throw std::runtime_error("the SMTP server did not start within 10 s");
    port_ = std::stoi(read_file(dir_ / "port"));
}

SmtpServer::~SmtpServer() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        waitpid(pid_, nullptr, 0);
    }
}

std::vector<nlohmann::json> SmtpServer::messages() const {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir_ / "mail"))
        if (entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
        return std::stoi(a.stem().string()) < std::stoi(b.stem().string());
    });
    std::vector<nlohmann::json> out;
    for (const auto& file : files) out.push_back(nlohmann::json::parse(read_file(file)));
    return out;
}

}  // namespace staffeln::testing
