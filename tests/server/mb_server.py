#!/usr/bin/python3
"""A Modbus TCP device for the tests, served by pymodbus (an implementation
independent of libmodbus). Holding registers 0..249 of unit ids 1 and 2
hold known values; 250 and above are unmapped (ILLEGAL DATA ADDRESS).

    100      int16   -1234
    101      uint16  54321
    102-103  int32   -123456789, high word first
    104-105  uint32  3000000000, low word first
    106-107  float32 3.14159, high word first
    110      int16   12345, scale factor at 111 = -2  (123.45)
    112      uint16  500, scale factor at 113 = 1     (5000)
    200      int16   setpoint (writable, starts at 0)
    201-202  int32   setpoint, high word first (writable, starts at 0)

Usage: mb_server.py PORT [--delay S]
  --delay S   answer every read after S seconds (a slow device);
              SIGUSR1 sets the delay to 0 (the device recovers).
"""
import asyncio
import logging
import signal
import struct
import sys
import time

try:
    from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
    from pymodbus.server import StartAsyncTcpServer
except ImportError as e:
    # pymodbus.server imports serial and serial_asyncio, which Debian's
    # python3-pymodbus only recommends.
    sys.exit(f"mb_server.py: {e}; install it with: apt-get install python3-pymodbus "
             "python3-serial python3-serial-asyncio (or scripts/deps.sh test)")

DELAY = [0.0]


class SlowBlock(ModbusSequentialDataBlock):
    def getValues(self, address, count=1):
        if DELAY[0] > 0:
            time.sleep(DELAY[0])
        return super().getValues(address, count)


def regs():
    r = [0] * 250
    r[100] = struct.unpack(">H", struct.pack(">h", -1234))[0]
    r[101] = 54321
    hi, lo = struct.unpack(">HH", struct.pack(">i", -123456789))
    r[102], r[103] = hi, lo
    hi, lo = struct.unpack(">HH", struct.pack(">I", 3000000000))
    r[104], r[105] = lo, hi
    hi, lo = struct.unpack(">HH", struct.pack(">f", 3.14159))
    r[106], r[107] = hi, lo
    r[110] = 12345
    r[111] = struct.unpack(">H", struct.pack(">h", -2))[0]
    r[112] = 500
    r[113] = 1
    return r


def main():
    port = int(sys.argv[1])
    if "--delay" in sys.argv:
        DELAY[0] = float(sys.argv[sys.argv.index("--delay") + 1])
    logging.basicConfig(level=logging.CRITICAL)
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    for h in logging.getLogger("pymodbus").handlers:
        h.setLevel(logging.CRITICAL)
    slaves = {}
    for unit in (1, 2):
        slaves[unit] = ModbusSlaveContext(hr=SlowBlock(0, regs()), zero_mode=True)
    ctx = ModbusServerContext(slaves=slaves, single=False)

    def recover(*_):
        DELAY[0] = 0.0
    signal.signal(signal.SIGUSR1, recover)
    asyncio.run(StartAsyncTcpServer(context=ctx, address=("127.0.0.1", port)))


if __name__ == "__main__":
    main()
