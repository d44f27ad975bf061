"""BagWriter: rosbag2 bags (MCAP by default, or sqlite3) of the contract topics, through `rosbags`.

    with BagWriter(run_dir / "bag", keys=topics.TOPICS) as bag:
        bag.write("reward", t_ns, messages.float32(1.0))

`ros2 bag info` / `ros2 bag play` read these bags: CDR serialization, standard message types with their
definitions and RIHS01 type hashes, metadata.yaml version 9 (Jazzy) by default, and each topic's offered QoS
profile from the topic contract (jaco_prog.topics), so that `ros2 bag play` offers what the live publisher did
(e.g. transient-local for the episode events). Timestamps are nanoseconds on the graph's clock (sim time).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from jaco_prog import topics
from jaco_prog.bags.messages import typestore

# "infinite" durations, as rclpy/rosbag2 write them for the default deadline, lifespan and lease duration
_INFINITE = (9223372036, 854775807)


def rosbags_qos(qos: topics.Qos):
    from rosbags.interfaces import (Qos, QosDurability, QosHistory, QosLiveliness, QosReliability,
                                    QosTime)

    infinite = QosTime(*_INFINITE)
    return Qos(history=QosHistory.KEEP_LAST, depth=qos.depth,
               reliability=QosReliability[qos.reliability.upper()],
               durability=QosDurability[qos.durability.upper()],
               deadline=infinite, lifespan=infinite, liveliness=QosLiveliness.AUTOMATIC,
               liveliness_lease_duration=infinite, avoid_ros_namespace_conventions=False)


class BagWriter:
    def __init__(self, path: str | Path, keys: Iterable[str] | None = None, storage: str = "mcap",
                 version: int = 9, custom_data: dict[str, str] | None = None):
        from rosbags.rosbag2 import StoragePlugin, Writer

        self.path = Path(path)
        plugin = {"mcap": StoragePlugin.MCAP, "sqlite3": StoragePlugin.SQLITE3}[storage]
        self._writer = Writer(self.path, version=version, storage_plugin=plugin)
        for key, value in (custom_data or {}).items():
            self._writer.set_custom_data(key, str(value))
        self._writer.open()
        self._store = typestore()
        self._connections = {}
        self.counts: dict[str, int] = {}
        for key in (keys if keys is not None else topics.TOPICS):
            t = topics.TOPICS[key]
            self._connections[key] = self._writer.add_connection(
                topics.name(key), t.msg_type, typestore=self._store, serialization_format="cdr",
                offered_qos_profiles=[rosbags_qos(t.publisher_qos)])
            self.counts[key] = 0
        self._closed = False

    def write(self, key: str, t_ns: int, msg) -> None:
        """Serialize `msg` (a messages.* object) to CDR and write it on the topic of contract key `key`."""
        conn = self._connections[key]
        self._writer.write(conn, int(t_ns), self._store.serialize_cdr(msg, conn.msgtype))
        self.counts[key] += 1

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._writer.close()

    def __enter__(self) -> "BagWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
