"""A TCP relay on loopback that passes every chunk on DELAY_MS after it arrived, in order, each
way: a mail server a network away (a round trip of twice DELAY_MS). The kernel's netem would do
this, where it is available.
Usage: relay.py LISTEN_PORT TARGET_PORT DELAY_MS"""
import asyncio, sys, time

listen_port, target_port, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000

async def pump(reader, writer):
    queue = asyncio.Queue()
    async def deliver():
        while (item := await queue.get()) is not None:
            due, chunk = item
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(chunk)
            await writer.drain()
        writer.close()
    delivering = asyncio.create_task(deliver())
    while chunk := await reader.read(65536):
        queue.put_nowait((time.monotonic() + delay, chunk))
    queue.put_nowait(None)
    await delivering

async def serve(client_reader, client_writer):
    server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
    await asyncio.gather(pump(client_reader, server_writer), pump(server_reader, client_writer),
                         return_exceptions=True)

async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", listen_port)
    async with server:
        await server.serve_forever()

asyncio.run(main())
