#!/usr/bin/python3
"""Takes locks as upstream Staffeln does (staffeln/common/lock.py at a1570ab), for the tests of a
switch from upstream: tooz's coordinator for BACKEND_URL, started with a heartbeat, member id
"staffeln-" + a uuid, each lock named "staffeln-" + NAME as ASCII bytes, acquired without blocking.

    tooz_locks.py BACKEND_URL try NAME...   tries each, prints "held NAME" or "refused NAME",
                                            releases what it took and exits 0
    tooz_locks.py BACKEND_URL hold NAME...  the same, then keeps the locks it took until SIGTERM

Lines go to stderr, flushed at once (the test reads them while this runs)."""
import signal
import sys
import threading
import uuid

from tooz import coordination


def _debian_bookworm_etcd3gw():
    """Debian 12's python3-tooz (3.1.0) calls etcd3gw.client(api_path=...), which its
    python3-etcd3gw (2.0.0) does not take, though the client class it returns does; so tooz's
    etcd3 driver fails to start there. Give tooz the class: its locking code is what runs."""
    try:
        import etcd3gw
    except ImportError:
        return
    etcd3gw.client = etcd3gw.Etcd3Client


def main():
    if len(sys.argv) < 4 or sys.argv[2] not in ("try", "hold"):
        sys.exit(__doc__)
    url, mode, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    _debian_bookworm_etcd3gw()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    coordinator = coordination.get_coordinator(url, ("staffeln-" + str(uuid.uuid4())).encode("ascii"))
    coordinator.start(start_heart=True)
    taken = []
    for name in names:
        lock = coordinator.get_lock(("staffeln-" + name).encode("ascii"))
        if lock.acquire(blocking=False):
            taken.append(lock)
            print("held", name, file=sys.stderr, flush=True)
        else:
            print("refused", name, file=sys.stderr, flush=True)
    if mode == "hold":
        print("holding", file=sys.stderr, flush=True)
        stop.wait()
    for lock in taken:
        lock.release()
    coordinator.stop()


if __name__ == "__main__":
    main()
