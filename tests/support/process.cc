#include "process.h"
#include "support/paths.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace staffeln::testing {
namespace {

void drain(int fd, std::string& into, bool& open) {
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0)
        into.append(buf, static_cast<size_t>(n));
    else
        open = false;
}

}  // namespace

std::vector<std::string> isolated_staffeln(const std::filesystem::path& home,
                                           const std::map<std::string, std::string>& env,
                                           const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=" + home.string()};
    for (const auto& [k, v] : env) argv.push_back(k + "=" + v);
    argv.push_back(kStaffelnBinary);
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

Finished run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
                     std::chrono::seconds timeout) {
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(err_pipe[1], STDERR_FILENO);
        int null = ::open("/dev/null", O_RDONLY);
        dup2(null, STDIN_FILENO);
        for (const auto& [key, value] : extra_env) setenv(key.c_str(), value.c_str(), 1);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    Finished result;
    bool out_open = true, err_open = true;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out_open || err_open) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
        if (poll(fds, 2, static_cast<int>(left.count())) <= 0) continue;
        if (out_open && (fds[0].revents & (POLLIN | POLLHUP))) drain(out_pipe[0], result.out, out_open);
        if (err_open && (fds[1].revents & (POLLIN | POLLHUP))) drain(err_pipe[0], result.err, err_open);
    }
    close(out_pipe[0]);
    close(err_pipe[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return result;
}

Finished run_staffeln(const std::vector<std::string>& args, const std::map<std::string, std::string>& extra_env) {
    std::vector<std::string> argv{staffeln::testing::kStaffelnBinary};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, extra_env);
}

}  // namespace staffeln::testing
