// Waiting for what another process does: polls pred every 100 ms until it holds or timeout passes,
// then asks once more (so a deadline that passed while the machine was busy still sees the last state).
#pragma once

#include <chrono>
#include <thread>

namespace staffeln::testing {

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout) {
    for (auto end = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < end;) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return pred();
}

}  // namespace staffeln::testing
