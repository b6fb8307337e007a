"""A real TCP relay to a server that can stall, as a network does when a link goes quiet.

While frozen it stops moving bytes in both directions but keeps every connection open (no
reset, no close): a client's read simply waits, as it does when a server vanishes.
"""

from __future__ import annotations

import selectors
import socket
import threading


class StallingRelay:
    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self) -> None:
        self.flowing.set()

    def close(self) -> None:
        self._stop.set()
        self.flowing.set()
        self.listener.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self.listener, selectors.EVENT_READ)
        peers: dict[socket.socket, socket.socket] = {}
        while not self._stop.is_set():
            if not self.flowing.is_set():
                self.flowing.wait(0.05)
                continue
            for key, _ in selector.select(timeout=0.05):
                sock = key.fileobj
                if sock is self.listener:
                    try:
                        client, _ = self.listener.accept()
                    except OSError:
                        return
                    upstream = socket.create_connection(self.target)
                    peers[client], peers[upstream] = upstream, client
                    selector.register(client, selectors.EVENT_READ)
                    selector.register(upstream, selectors.EVENT_READ)
                    continue
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                other = peers.get(sock)
                if not data or other is None:
                    for end in (sock, other):
                        if end is not None and end in peers:
                            selector.unregister(end)
                            peers.pop(end, None)
                            end.close()
                    continue
                other.sendall(data)
        for end in peers:
            end.close()
