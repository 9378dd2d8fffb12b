// A loopback TCP port nothing listens on: bound to port 0, read back, released. Another process
// may take it before the caller binds it; tests accept that small race for simple fixtures.
#pragma once

namespace staffeln::testing {

int free_port();  // throws std::runtime_error when no port can be bound

}  // namespace staffeln::testing
