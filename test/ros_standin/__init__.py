"""A small, test-only stand-in for rclpy and the standard message/service packages the jaco_prog nodes use.

It records what a node declares (publishers, subscriptions, services, timers, parameters) with the same
attribute names as rclpy (`node.publishers[i].topic_name / msg_type / qos_profile`, `sub.callback`,
`service.callback`, `timer.callback`), so tests written against it also run against real rclpy. Messages
type-check their fields like rosidl's generated setters do (a numpy float32 in a float64 field, a numpy
array in a float64[] field or an int in a float field is an error there, and here), so a conversion bug
the real middleware would reject cannot pass unnoticed.

    from ros_standin import install
    install()            # puts rclpy, sensor_msgs, ... into sys.modules (only where the real one is missing)

It does not emulate DDS: nothing is sent anywhere; tests deliver a message by calling the subscription's
callback and read what was published from `publisher.published`.
"""
from __future__ import annotations

import array
import enum
import sys
import time as _time
import types
from typing import Any, Callable

# --- messages ---------------------------------------------------------------------------------------------

_SCALARS = {"float": float, "int": int, "str": str, "bool": bool}


class Message:
    """Base of the stand-in messages. `_fields`: name -> type spec ('float', 'int', 'str', 'bool',
    'float[]', 'str[]', 'uint8[]', a Message class, or (Message class,) for a sequence of them)."""
    _fields: dict = {}
    _type: str = ""

    def __init__(self, **kwargs):
        for name, spec in self._fields.items():
            object.__setattr__(self, name, _default(spec))
        for name, value in kwargs.items():
            setattr(self, name, value)

    def __setattr__(self, name, value):
        if name not in self._fields:
            raise AttributeError(f"{self._type} has no field {name!r}")
        object.__setattr__(self, name, _check(self._type, name, self._fields[name], value))

    def __eq__(self, other):
        return type(self) is type(other) and all(getattr(self, f) == getattr(other, f) for f in self._fields)

    def __repr__(self):
        return f"{self._type}({', '.join(f'{f}={getattr(self, f)!r}' for f in self._fields)})"


def _default(spec):
    if spec == "byte":
        return b"\x00"
    if isinstance(spec, str):
        if spec.endswith("[]"):
            return array.array("B") if spec == "uint8[]" else array.array("d") if spec == "float[]" else []
        return _SCALARS[spec]()
    if isinstance(spec, tuple):
        return []
    return spec()


def _check(owner: str, name: str, spec, value):
    where = f"{owner}.{name}"
    if spec == "byte":  # a ROS `byte` is a bytes object of length 1 in python (DiagnosticStatus.level)
        if not (isinstance(value, bytes) and len(value) == 1):
            raise TypeError(f"{where} must be a bytes object of length 1 (a ROS `byte`), got {value!r}")
        return value
    if spec in ("float", "int", "str"):
        kind = _SCALARS[spec]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise TypeError(f"{where} must be {spec} (rosidl asserts the python type), got {type(value).__name__}")
        return value
    if spec == "bool":
        if not isinstance(value, bool):
            raise TypeError(f"{where} must be bool, got {type(value).__name__}")
        return value
    if spec == "uint8[]":
        if isinstance(value, (bytes, bytearray)):
            return array.array("B", value)
        if isinstance(value, array.array) and value.typecode == "B":
            return value
        if isinstance(value, list) and all(isinstance(v, int) and 0 <= v < 256 for v in value):
            return array.array("B", value)
        raise TypeError(f"{where} must be bytes or array('B'), got {type(value).__name__}")
    if spec == "float[]":
        if isinstance(value, array.array) and value.typecode == "d":
            return value
        if isinstance(value, (list, tuple)) and all(isinstance(v, float) for v in value):
            return array.array("d", value)
        raise TypeError(f"{where} must be a list of python floats or array('d'), got {type(value).__name__}")
    if spec == "str[]":
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return list(value)
        raise TypeError(f"{where} must be a list of str, got {value!r}")
    if isinstance(spec, tuple):
        if isinstance(value, (list, tuple)) and all(isinstance(v, spec[0]) for v in value):
            return list(value)
        raise TypeError(f"{where} must be a list of {spec[0]._type}")
    if not isinstance(value, spec):
        raise TypeError(f"{where} must be {spec._type}, got {type(value).__name__}")
    return value


def _msg(type_name: str, fields: dict, **constants) -> type:
    cls = type(type_name.rsplit("/", 1)[-1], (Message,), {"_fields": fields, "_type": type_name, **constants})
    return cls


TimeMsg = _msg("builtin_interfaces/msg/Time", {"sec": "int", "nanosec": "int"})
Header = _msg("std_msgs/msg/Header", {"stamp": TimeMsg, "frame_id": "str"})
Float32 = _msg("std_msgs/msg/Float32", {"data": "float"})
Float64MultiArray = _msg("std_msgs/msg/Float64MultiArray", {"data": "float[]"})
Bool = _msg("std_msgs/msg/Bool", {"data": "bool"})
String = _msg("std_msgs/msg/String", {"data": "str"})
ColorRGBA = _msg("std_msgs/msg/ColorRGBA", {"r": "float", "g": "float", "b": "float", "a": "float"})
Image = _msg("sensor_msgs/msg/Image", {"header": Header, "height": "int", "width": "int", "encoding": "str",
                                       "is_bigendian": "int", "step": "int", "data": "uint8[]"})
RegionOfInterest = _msg("sensor_msgs/msg/RegionOfInterest", {"x_offset": "int", "y_offset": "int", "height": "int",
                                                              "width": "int", "do_rectify": "bool"})
CameraInfo = _msg("sensor_msgs/msg/CameraInfo", {"header": Header, "height": "int", "width": "int",
                                                 "distortion_model": "str", "d": "float[]", "k": "float[]",
                                                 "r": "float[]", "p": "float[]", "binning_x": "int",
                                                 "binning_y": "int", "roi": RegionOfInterest})
JointState = _msg("sensor_msgs/msg/JointState", {"header": Header, "name": "str[]", "position": "float[]",
                                                 "velocity": "float[]", "effort": "float[]"})
Point = _msg("geometry_msgs/msg/Point", {"x": "float", "y": "float", "z": "float"})
Vector3 = _msg("geometry_msgs/msg/Vector3", {"x": "float", "y": "float", "z": "float"})
Quaternion = _msg("geometry_msgs/msg/Quaternion", {"x": "float", "y": "float", "z": "float", "w": "float"})
Pose = _msg("geometry_msgs/msg/Pose", {"position": Point, "orientation": Quaternion})
PointStamped = _msg("geometry_msgs/msg/PointStamped", {"header": Header, "point": Point})
JointJog = _msg("control_msgs/msg/JointJog", {"header": Header, "joint_names": "str[]", "displacements": "float[]",
                                              "velocities": "float[]", "duration": "float"})
KeyValue = _msg("diagnostic_msgs/msg/KeyValue", {"key": "str", "value": "str"})
DiagnosticStatus = _msg("diagnostic_msgs/msg/DiagnosticStatus",
                        {"level": "byte", "name": "str", "message": "str", "hardware_id": "str",
                         "values": (KeyValue,)}, OK=b"\x00", WARN=b"\x01", ERROR=b"\x02", STALE=b"\x03")
DiagnosticArray = _msg("diagnostic_msgs/msg/DiagnosticArray", {"header": Header, "status": (DiagnosticStatus,)})
Marker = _msg("visualization_msgs/msg/Marker",
              {"header": Header, "ns": "str", "id": "int", "type": "int", "action": "int", "pose": Pose,
               "scale": Vector3, "color": ColorRGBA, "lifetime": _msg("builtin_interfaces/msg/Duration",
                                                                     {"sec": "int", "nanosec": "int"}),
               "frame_locked": "bool", "text": "str"},
              ARROW=0, CUBE=1, SPHERE=2, CYLINDER=3, TEXT_VIEW_FACING=9, ADD=0, DELETE=2)
Clock = _msg("rosgraph_msgs/msg/Clock", {"clock": TimeMsg})
# kinova_msgs (Gen2 driver): only for the gen2_bridge backend
JointVelocity = _msg("kinova_msgs/msg/JointVelocity", {f"joint{i}": "float" for i in range(1, 8)})
FingerPosition = _msg("kinova_msgs/msg/FingerPosition", {f"finger{i}": "float" for i in range(1, 4)})

def _srv(type_name: str, request: dict, response: dict) -> type:
    short = type_name.rsplit("/", 1)[-1]
    return type(short, (), {"Request": _msg(f"{type_name}_Request", request),
                            "Response": _msg(f"{type_name}_Response", response), "_type": type_name})


Trigger = _srv("std_srvs/srv/Trigger", {}, {"success": "bool", "message": "str"})
SetBool = _srv("std_srvs/srv/SetBool", {"data": "bool"}, {"success": "bool", "message": "str"})

# --- rclpy ------------------------------------------------------------------------------------------------


class ReliabilityPolicy(enum.Enum):
    SYSTEM_DEFAULT = 0
    RELIABLE = 1
    BEST_EFFORT = 2


class DurabilityPolicy(enum.Enum):
    SYSTEM_DEFAULT = 0
    TRANSIENT_LOCAL = 1
    VOLATILE = 2


class HistoryPolicy(enum.Enum):
    SYSTEM_DEFAULT = 0
    KEEP_LAST = 1
    KEEP_ALL = 2


class QoSProfile:
    def __init__(self, *, depth: int, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.VOLATILE,
                 history=HistoryPolicy.KEEP_LAST):
        self.depth, self.reliability, self.durability, self.history = depth, reliability, durability, history

    def __repr__(self):
        return f"QoSProfile(depth={self.depth}, {self.reliability.name}, {self.durability.name})"


class Time:
    def __init__(self, *, seconds: float = 0, nanoseconds: int = 0):
        self.nanoseconds = int(nanoseconds + round(seconds * 1e9))

    def to_msg(self):
        return TimeMsg(sec=self.nanoseconds // 1_000_000_000, nanosec=self.nanoseconds % 1_000_000_000)

    def __sub__(self, other):
        return Duration(nanoseconds=self.nanoseconds - other.nanoseconds)


class Duration:
    def __init__(self, *, seconds: float = 0, nanoseconds: int = 0):
        self.nanoseconds = int(nanoseconds + round(seconds * 1e9))


class ClockType(enum.Enum):
    ROS_TIME = 1
    SYSTEM_TIME = 2


class StandinClock:
    """Wall time, or a fixed value tests set (`node.get_clock().set(seconds)`)."""

    def __init__(self):
        self.fixed: float | None = None

    def set(self, seconds: float) -> None:
        self.fixed = seconds

    def now(self) -> Time:
        return Time(seconds=_time.time() if self.fixed is None else self.fixed)


class Parameter:
    class Type(enum.Enum):
        NOT_SET = 0
        BOOL = 1
        INTEGER = 2
        DOUBLE = 3
        STRING = 4

    def __init__(self, name: str, type_=None, value: Any = None):
        self.name, self.value = name, value
        self.type_ = type_


class Logger:
    def __init__(self, name: str):
        self.name = name
        self.records: list[tuple[str, str]] = []

    def _log(self, level, msg, **_):
        self.records.append((level, str(msg)))

    def debug(self, msg, **kw):
        self._log("debug", msg, **kw)

    def info(self, msg, **kw):
        self._log("info", msg, **kw)

    def warning(self, msg, **kw):
        self._log("warn", msg, **kw)

    warn = warning

    def error(self, msg, **kw):
        self._log("error", msg, **kw)

    def fatal(self, msg, **kw):
        self._log("fatal", msg, **kw)


class Publisher:
    def __init__(self, msg_type, topic: str, qos: QoSProfile):
        self.msg_type, self.topic_name, self.qos_profile = msg_type, topic, qos
        self.published: list = []

    def publish(self, msg) -> None:
        if not isinstance(msg, self.msg_type):
            raise TypeError(f"{self.topic_name}: publishing {type(msg).__name__} on a {self.msg_type.__name__} topic")
        self.published.append(msg)


class Subscription:
    def __init__(self, msg_type, topic: str, callback: Callable, qos: QoSProfile):
        self.msg_type, self.topic_name, self.callback, self.qos_profile = msg_type, topic, callback, qos


class Service:
    def __init__(self, srv_type, name: str, callback: Callable):
        self.srv_type, self.srv_name, self.callback = srv_type, name, callback


class Timer:
    def __init__(self, period: float, callback: Callable):
        self.timer_period_ns = int(round(period * 1e9))
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def _qos(qos) -> QoSProfile:
    if isinstance(qos, int):
        return QoSProfile(depth=qos)
    if not isinstance(qos, QoSProfile):
        raise TypeError(f"qos must be a QoSProfile or a depth, got {qos!r}")
    return qos


class Node:
    # parameter overrides for the next node constructed, by node name (tests: standin.PARAMETER_OVERRIDES)
    def __init__(self, node_name: str, *, namespace: str = "", parameter_overrides=None,
                 automatically_declare_parameters_from_overrides: bool = False, **_):
        self._name = node_name
        self._overrides = {p.name: p.value for p in (parameter_overrides or [])}
        self._parameters: dict[str, Parameter] = {}
        self.publishers: list[Publisher] = []
        self.subscriptions: list[Subscription] = []
        self.services: list[Service] = []
        self.timers: list[Timer] = []
        self._clock = StandinClock()
        self._logger = Logger(node_name)
        self.destroyed = False

    def get_name(self) -> str:
        return self._name

    def get_logger(self) -> Logger:
        return self._logger

    def get_clock(self) -> StandinClock:
        return self._clock

    def declare_parameter(self, name: str, value: Any = None, descriptor=None, ignore_override: bool = False):
        if name in self._parameters:
            raise RuntimeError(f"parameter {name!r} declared twice")
        given = self._overrides.get(name, value)
        if value is not None and given is not None and type(given) is not type(value) and not (
                isinstance(value, float) and isinstance(given, int)):
            raise TypeError(f"parameter {name!r}: override {given!r} has another type than the default {value!r}")
        self._parameters[name] = Parameter(name, None, given)
        return self._parameters[name]

    def get_parameter(self, name: str) -> Parameter:
        if name not in self._parameters:
            raise KeyError(f"parameter {name!r} not declared")
        return self._parameters[name]

    def has_parameter(self, name: str) -> bool:
        return name in self._parameters

    def create_publisher(self, msg_type, topic: str, qos, **_) -> Publisher:
        pub = Publisher(msg_type, topic, _qos(qos))
        self.publishers.append(pub)
        return pub

    def create_subscription(self, msg_type, topic: str, callback: Callable, qos, **_) -> Subscription:
        sub = Subscription(msg_type, topic, callback, _qos(qos))
        self.subscriptions.append(sub)
        return sub

    def create_service(self, srv_type, name: str, callback: Callable, **_) -> Service:
        srv = Service(srv_type, name, callback)
        self.services.append(srv)
        return srv

    def create_timer(self, period: float, callback: Callable, **_) -> Timer:
        timer = Timer(period, callback)
        self.timers.append(timer)
        return timer

    def destroy_publisher(self, pub) -> None:
        self.publishers.remove(pub)

    def destroy_subscription(self, sub) -> None:
        self.subscriptions.remove(sub)

    def destroy_service(self, srv) -> None:
        self.services.remove(srv)

    def destroy_timer(self, timer) -> None:
        timer.cancel()
        self.timers.remove(timer)

    def destroy_node(self) -> None:
        self.destroyed = True


class TransitionCallbackReturn(enum.Enum):
    SUCCESS = 97
    FAILURE = 98
    ERROR = 99


class State:
    def __init__(self, state_id: int, label: str):
        self.state_id, self.label = state_id, label


class LifecycleNode(Node):
    """rclpy.lifecycle.Node: trigger_* run the on_* callbacks and move between the primary states."""

    def __init__(self, node_name: str, **kwargs):
        super().__init__(node_name, **kwargs)
        self.lifecycle_state = "unconfigured"

    def create_lifecycle_publisher(self, msg_type, topic: str, qos, **kw) -> Publisher:
        return self.create_publisher(msg_type, topic, qos, **kw)

    def destroy_lifecycle_publisher(self, pub) -> None:
        self.destroy_publisher(pub)

    def _transition(self, callback: str, ok: str, fail: str) -> TransitionCallbackReturn:
        result = getattr(self, callback)(State(0, self.lifecycle_state))
        self.lifecycle_state = ok if result == TransitionCallbackReturn.SUCCESS else fail
        return result

    def trigger_configure(self):
        return self._transition("on_configure", "inactive", "unconfigured")

    def trigger_activate(self):
        return self._transition("on_activate", "active", "inactive")

    def trigger_deactivate(self):
        return self._transition("on_deactivate", "inactive", "active")

    def trigger_cleanup(self):
        return self._transition("on_cleanup", "unconfigured", "inactive")

    def trigger_shutdown(self):
        return self._transition("on_shutdown", "finalized", "finalized")

    def on_configure(self, state):
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state):
        return TransitionCallbackReturn.SUCCESS

    def on_deactivate(self, state):
        return TransitionCallbackReturn.SUCCESS

    def on_cleanup(self, state):
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state):
        return TransitionCallbackReturn.SUCCESS


class ExternalShutdownException(Exception):
    pass


_context = {"init": False}


def init(args=None, context=None) -> None:
    _context["init"] = True


def shutdown(context=None) -> None:
    _context["init"] = False


def try_shutdown(context=None) -> None:
    _context["init"] = False


def ok(context=None) -> bool:
    return _context["init"]


def spin(node, executor=None) -> None:
    raise RuntimeError("the ROS stand-in has no executor: tests call callbacks directly")


# --- install ----------------------------------------------------------------------------------------------

STANDIN = True  # lets a test tell the stand-in from real rclpy


def _module(name: str, **attrs) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    mod.__standin__ = True
    return mod


def modules() -> dict[str, types.ModuleType]:
    me = sys.modules[__name__]
    qos = _module("rclpy.qos", QoSProfile=QoSProfile, ReliabilityPolicy=ReliabilityPolicy,
                  DurabilityPolicy=DurabilityPolicy, HistoryPolicy=HistoryPolicy,
                  qos_profile_sensor_data=QoSProfile(depth=5, reliability=ReliabilityPolicy.BEST_EFFORT))
    node = _module("rclpy.node", Node=Node)
    lifecycle = _module("rclpy.lifecycle", Node=LifecycleNode, LifecycleNode=LifecycleNode, State=State,
                        TransitionCallbackReturn=TransitionCallbackReturn, Publisher=Publisher)
    rclpy_time = _module("rclpy.time", Time=Time)
    duration = _module("rclpy.duration", Duration=Duration)
    clock = _module("rclpy.clock", ClockType=ClockType, Clock=StandinClock)
    executors = _module("rclpy.executors", ExternalShutdownException=ExternalShutdownException,
                        SingleThreadedExecutor=object, MultiThreadedExecutor=object)
    parameter = _module("rclpy.parameter", Parameter=Parameter)
    rclpy = _module("rclpy", init=init, shutdown=shutdown, try_shutdown=try_shutdown, ok=ok, spin=spin,
                    node=node, qos=qos, lifecycle=lifecycle, time=rclpy_time, duration=duration, clock=clock,
                    executors=executors, parameter=parameter, standin=me)
    msgs = {
        "builtin_interfaces.msg": dict(Time=TimeMsg, Duration=Marker._fields["lifetime"]),
        "std_msgs.msg": dict(Header=Header, Float32=Float32, Float64MultiArray=Float64MultiArray, Bool=Bool,
                             String=String, ColorRGBA=ColorRGBA),
        "sensor_msgs.msg": dict(Image=Image, CameraInfo=CameraInfo, JointState=JointState,
                                RegionOfInterest=RegionOfInterest),
        "geometry_msgs.msg": dict(Point=Point, PointStamped=PointStamped, Pose=Pose, Vector3=Vector3,
                                  Quaternion=Quaternion),
        "control_msgs.msg": dict(JointJog=JointJog),
        "diagnostic_msgs.msg": dict(DiagnosticArray=DiagnosticArray, DiagnosticStatus=DiagnosticStatus,
                                    KeyValue=KeyValue),
        "visualization_msgs.msg": dict(Marker=Marker),
        "rosgraph_msgs.msg": dict(Clock=Clock),
        "kinova_msgs.msg": dict(JointVelocity=JointVelocity, FingerPosition=FingerPosition),
        "std_srvs.srv": dict(Trigger=Trigger, SetBool=SetBool),
    }
    out = {"rclpy": rclpy, **{f"rclpy.{k}": v for k, v in (("qos", qos), ("node", node), ("lifecycle", lifecycle),
                                                            ("time", rclpy_time), ("duration", duration),
                                                            ("clock", clock), ("executors", executors),
                                                            ("parameter", parameter))}}
    for dotted, attrs in msgs.items():
        package, sub = dotted.split(".")
        out.setdefault(package, _module(package))
        out[dotted] = _module(dotted, **attrs)
        setattr(out[package], sub, out[dotted])
    return out


def real_rclpy_available() -> bool:
    """True when the real rclpy (and thus a ROS 2 install) is importable."""
    try:
        import importlib.util
        return importlib.util.find_spec("rclpy") is not None and "rclpy" not in _installed
    except (ImportError, ValueError):
        return False


_installed: set[str] = set()


def install() -> bool:
    """Put the stand-in modules into sys.modules unless real rclpy is importable. Returns True if installed."""
    if _installed:
        return True
    if real_rclpy_available():
        return False
    for name, mod in modules().items():
        if name not in sys.modules:
            sys.modules[name] = mod
            _installed.add(name)
    return True


def uninstall() -> None:
    for name in list(_installed):
        sys.modules.pop(name, None)
        _installed.discard(name)
