"""Support for the package's own tests and benchmarks: what the launch files declare, and that graph started
as separate OS processes. Not a launch system: in a ROS 2 install, `ros2 launch jaco_prog ...` starts the graph."""
