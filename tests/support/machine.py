"""A fixed machine for views that show free memory: the same on every computer."""

from hfbrowse.core.memory import DeviceMemory, MachineMemory

GiB = 1024**3
FIXED_MACHINE = MachineMemory((DeviceMemory("RAM", 16 * GiB, 32 * GiB),), "no GPU seen")
