#!/usr/bin/env python3
"""An SMTP server for tests: stores every accepted message in a folder.

    python3 tests/smtp/sink.py --dir DIR [--port P] [--delay SECONDS]

Binds 127.0.0.1 (port 0 picks a free one), prints one line `PORT <n>` once listening and runs
until killed. Each message becomes `DIR/<n>.json` (envelope) and then `DIR/<n>.eml` (the DATA
bytes as received); both are written to a temporary name and renamed, the .json first, so a
reader that sees an .eml also sees its envelope. Numbering continues after a restart on the same
folder, so names sort oldest first.

Recipients whose local part contains `bounce` are refused with 550, `tempfail` with 451; both
replies name the address, as Postfix's do.
`--delay` waits before answering DATA and stores the message only afterwards: a sink killed while
waiting never accepted the message, as with a real server that dies before its 250.
"""

import argparse
import asyncio
import json
import logging
import os
import sys

try:
    from aiosmtpd.smtp import SMTP
except ImportError:
    sys.stderr.write("sink.py needs aiosmtpd: python3 -m pip install aiosmtpd\n")
    sys.exit(3)


class Sink:
    def __init__(self, folder, delay):
        self.folder = folder
        self.delay = delay
        numbers = [int(name[:-4]) for name in os.listdir(folder) if name.endswith(".eml") and name[:-4].isdigit()]
        self.counter = max(numbers, default=0)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.rpartition("@")[0].lower()
        if "bounce" in local:
            return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox unavailable"
        if "tempfail" in local:
            return f"451 4.3.0 <{address}>: Recipient address rejected: try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        self.counter += 1
        name = f"{self.counter:08d}"
        envelope_json = json.dumps({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos})
        self._write(name + ".json", envelope_json.encode())
        self._write(name + ".eml", envelope.original_content)
        return "250 OK stored as " + name

    def _write(self, name, data):
        temporary = os.path.join(self.folder, "." + name + ".tmp")
        with open(temporary, "wb") as file:
            file.write(data)
        os.replace(temporary, os.path.join(self.folder, name))


async def serve(args):
    handler = Sink(args.dir, args.delay)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", decode_data=False, enable_SMTPUTF8=True),
        host="127.0.0.1",
        port=args.port,
        reuse_address=True,
    )
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    # aiosmtpd logs each session at INFO; only real trouble belongs on stderr, nothing on stdout.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
